package org.smmuref.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.platform.PlatformConfig;

class ConfigFileTest {
    @TempDir
    Path dir;

    @Test
    void an_empty_file_is_the_default_platform() throws Exception {
        ConfigFile f = ConfigFile.parse("");
        assertThat(f.platform()).isEqualTo(PlatformConfig.defaults());
        assertThat(f.name()).isEmpty();
    }

    @Test
    void the_default_platform_has_the_features_issue_13_names() {
        PlatformConfig d = PlatformConfig.defaults();
        assertThat(d.smmus()).hasSize(1);
        SmmuFeatures f = d.smmus().get(0).features();
        assertThat(f.s1p() && f.s2p() && f.btm() && f.vmid16() && f.twoLevelStreamTable() && f.ril() && f.ats())
            .isTrue();
        assertThat(d.smmus().get(0).devices()).hasSize(8);
        assertThat(d.kvm().orElseThrow().nrCpus()).isEqualTo(4);
    }

    @Test
    void a_yaml_file_describes_several_smmus_devices_ram_cpus_and_policy() throws Exception {
        ConfigFile f = ConfigFile.parse("""
            name: lab-2
            ram:
              - {base: 0x80000000, size: 2G}
              - {base: "0x100000000", size: 512M}
            smmus:
              - features: {btm: false, ats: false, vmid16: false}
                devices: [0x10, {streamId: 0x11, ats: true}]
              - base: minimal
                features: {s2p: true, oas: 40, sidSize: 6}
                devices: [{streamId: 3}]
                driver: {ptmRequested: true}
            kvm: {cpus: 8, vmidBits: 8, smmuPrivateVmids: 16}
            vmidPolicy: force-private
            server: {httpPort: 0, bridgePort: 0}
            cluster: {port: 5801, members: ["127.0.0.1:5802"], name: lab}
            """);
        assertThat(f.name()).contains("lab-2");
        PlatformConfig p = f.platform();
        assertThat(p.ram()).containsExactly(new PlatformConfig.RamRange(0x8000_0000L, 2L << 30),
            new PlatformConfig.RamRange(0x1_0000_0000L, 512L << 20));
        assertThat(p.smmus()).hasSize(2);
        assertThat(p.smmus().get(0).features().btm()).isFalse();
        assertThat(p.smmus().get(0).features().vmid16()).isFalse();
        assertThat(p.smmus().get(0).features().s2p()).isTrue();
        assertThat(p.smmus().get(0).devices()).extracting(d -> d.streamId() + ":" + d.atsCapable())
            .containsExactly("16:false", "17:true");
        assertThat(p.smmus().get(1).features().s2p()).isTrue();
        assertThat(p.smmus().get(1).features().btm()).isFalse();
        assertThat(p.smmus().get(1).features().oasBits()).isEqualTo(40);
        assertThat(p.smmus().get(1).options().ptmRequested()).isTrue();
        assertThat(p.kvm().orElseThrow().nrCpus()).isEqualTo(8);
        assertThat(p.kvm().orElseThrow().vmidBits()).isEqualTo(8);
        assertThat(p.vmidPolicy().mode()).isEqualTo(VmidPolicyConfig.Mode.FORCE_PRIVATE);
        assertThat(f.server().httpPort()).hasValue(0);
        assertThat(f.cluster().enabled()).isTrue();
        assertThat(f.cluster().members()).containsExactly("127.0.0.1:5802");
    }

    @Test
    void json_works_too_and_kvm_can_be_absent() throws Exception {
        ConfigFile f = ConfigFile.parse("{\"name\": \"j\", \"kvm\": null, \"smmus\": [{\"devices\": [1, 2]}]}");
        assertThat(f.platform().kvm()).isEmpty();
        assertThat(f.platform().smmus().get(0).devices()).hasSize(2);
    }

    @Test
    void bad_files_get_messages_that_name_the_key() {
        assertBad("smmus: [{features: {btmm: true}}]", "smmus[0].features.btmm: unknown key (known: ");
        assertBad("smmus: [{features: {btm: 1}}]", "smmus[0].features.btm: must be true or false");
        assertBad("smmus: [{features: {oas: 33}}]", "smmus[0].features: OAS must be one of");
        assertBad("smmus: [{devices: [8, 8]}]", "smmus[0].devices[1]: StreamID 8 is listed twice");
        assertBad("smmus: [{base: fancy}]", "smmus[0].base: must be 'reference' or 'minimal'");
        assertBad("ram: [{base: 0x40000000, size: lots}]", "ram[0].size: must be a whole number");
        assertBad("ram: [{base: 0x40000000}]", "ram[0].size: required");
        assertBad("ram: []", "ram: a machine needs at least one RAM range");
        assertBad("kvm: {cpus: 0}", "kvm: a host needs at least one CPU");
        assertBad("vmidPolicy: user", "vmidPolicy: must be 'auto' or 'force-private'");
        assertBad("name: Big", "name: must match [a-z0-9-]+");
        assertBad("colour: red", "colour: unknown key");
        assertBad("smmus: {a: 1}", "smmus: must be a list");
        assertBad("[1, 2]", "the file: must be a mapping of keys");
        assertBad("name: [unclosed", "not valid YAML or JSON");
    }

    @Test
    void load_names_the_file() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "kvm: {vmidBits: 12}\n");
        assertThatThrownBy(() -> ConfigFile.load(file)).hasMessageStartingWith(file + ": kvm: VMID width must be 8 "
            + "or 16 bits");
        assertThatThrownBy(() -> ConfigFile.load(dir.resolve("missing.yaml"))).hasMessageEndingWith(": no such file");
    }

    private static void assertBad(String text, String message) {
        assertThatThrownBy(() -> ConfigFile.parse(text)).as(text).isInstanceOf(ConfigFile.ConfigException.class)
            .hasMessageContaining(message);
    }
}
