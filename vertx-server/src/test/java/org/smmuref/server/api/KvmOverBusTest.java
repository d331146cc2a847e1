package org.smmuref.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.server.api.ApiBed.await;
import static org.smmuref.server.api.NestedFlowTest.DMA_VA;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.smmuref.client.SmmurefClient;

/**
 * KVM over the bus with BTM: a context tied to a VM gets a vIOMMU whose stage-2 VMID is the VM's pinned KVM VMID,
 * so the guest's own broadcast TLBI from a loaded vCPU removes the SMMU's stale stage-1 entry; a context that is not
 * tied to the VM keeps an SMMU-private VMID, which the same broadcast must not touch (the negative control).
 */
class KvmOverBusTest {
    private final ApiBed bed = new ApiBed();

    @AfterEach
    void close() {
        bed.close();
    }

    private static String outcome(SmmurefClient c, NestedFlowTest.Nested n) {
        return await(c.dmaTranslate(n.ctx(), n.dev(), DMA_VA, false)).getString("outcome");
    }

    @Test
    void a_guest_broadcast_tlbi_invalidates_the_smmu_only_for_the_vm_it_is_tied_to() {
        SmmurefClient c = bed.client();
        String vm = await(c.createVm());
        int vcpu = await(c.createVcpu(vm));
        JsonObject loaded = await(c.loadVcpu(vm, vcpu, 0));
        assertThat(loaded.getJsonArray("vcpu_cpus").getInteger(0)).isZero();
        NestedFlowTest.Nested tied = NestedFlowTest.setUp(c, 0x8, 8, vm);
        // Another VM's VMM (an untied vIOMMU on this BTM SMMU is EINVAL): its entries carry another VMID.
        NestedFlowTest.Nested untied = NestedFlowTest.setUp(c, 0x9, 8, await(c.createVm()));
        JsonObject info = await(c.vmInfo(vm));
        assertThat(info.getInteger("pin_count")).as("the vIOMMU pinned the VM's VMID").isPositive();
        assertThat(info.getInteger("vmid")).isPositive();

        for (NestedFlowTest.Nested n : new NestedFlowTest.Nested[] {tied, untied}) {
            assertThat(outcome(c, n)).isEqualTo("translated");
            await(c.unmapStage1(n.ctx(), n.table(), DMA_VA, 0x1000));
            assertThat(outcome(c, n)).as("stale until invalidated").isEqualTo("translated");
        }
        await(c.vcpuTlbi(vm, vcpu, "VAE1IS", new JsonObject().put("asid", 5).put("address", DMA_VA)
            .put("leaf", true)));
        assertThat(outcome(c, tied)).as("BTM: the VM's TLBI reached the SMMU").isEqualTo("aborted");
        assertThat(outcome(c, untied)).as("another VMID: untouched").isEqualTo("translated");

        await(c.putVcpu(vm, vcpu));
        await(c.destroyVm(vm));
        // the context still holds its own VM reference: the vIOMMU keeps working
        assertThat(await(c.dmaTranslate(tied.ctx(), tied.dev(), DMA_VA + 0x1000, false)).getString("outcome"))
            .isEqualTo("translated");
    }
}
