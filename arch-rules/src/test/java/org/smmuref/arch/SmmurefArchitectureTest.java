package org.smmuref.arch;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;
import org.smmuref.client.fixture.ClientUsesCore;
import org.smmuref.client.fixture.ClientUsesSmmu;
import org.smmuref.iommufd.uapi.fixture.UapiUsesGuice;
import org.smmuref.kvm.fixture.KvmUsesSmmu;
import org.smmuref.kvm.fixture.KvmUsesVertx;
import org.smmuref.server.fixture.ServerUsesCore;
import org.smmuref.server.fixture.ServerUsesSmmu;
import org.smmuref.smmu.fixture.FieldInjected;
import org.smmuref.smmu.fixture.GuiceOutsideWiring;
import org.smmuref.smmu.fixture.MethodInjected;
import org.smmuref.smmu.fixture.UsesKvmInternal;
import org.smmuref.smmu.fixture.cycle.a.A;
import org.smmuref.smmu.fixture.cycle.b.B;
import org.smmuref.smmu.good.Fine;
import org.smmuref.smmu.hw.fixture.HwUsesDriver;

/** Shows that every rule fails on a deliberately bad fixture, naming the offender, and passes on a good one. */
class SmmurefArchitectureTest {

    private static JavaClasses load(Class<?>... classes) {
        return new ClassFileImporter().importClasses(classes);
    }

    private static void assertViolation(ArchRule rule, Class<?> offender, Class<?>... more) {
        Class<?>[] all = new Class<?>[more.length + 1];
        all[0] = offender;
        System.arraycopy(more, 0, all, 1, more.length);
        assertThatThrownBy(() -> rule.check(load(all)))
            .isInstanceOf(AssertionError.class)
            .hasMessageContaining(offender.getName());
    }

    @Test
    void module_arrows_reject_kvm_depending_on_smmu() {
        assertViolation(SmmurefArchitecture.modules_should_only_depend_along_the_documented_arrows, KvmUsesSmmu.class);
    }

    @Test
    void module_arrows_reject_server_depending_on_smmu() {
        assertViolation(SmmurefArchitecture.modules_should_only_depend_along_the_documented_arrows,
            ServerUsesSmmu.class);
    }

    @Test
    void the_client_may_not_depend_on_smmu_core_or_the_iommufd_core() {
        assertViolation(SmmurefArchitecture.modules_should_only_depend_along_the_documented_arrows,
            ClientUsesSmmu.class);
        assertViolation(SmmurefArchitecture.server_and_conformance_should_use_only_the_public_iommufd_api,
            ClientUsesCore.class);
    }

    @Test
    void server_may_not_reach_into_the_iommufd_core() {
        assertViolation(SmmurefArchitecture.server_and_conformance_should_use_only_the_public_iommufd_api,
            ServerUsesCore.class);
    }

    @Test
    void pure_packages_reject_vertx_and_guice() {
        assertViolation(SmmurefArchitecture.pure_packages_should_not_depend_on_frameworks, KvmUsesVertx.class);
        assertViolation(SmmurefArchitecture.pure_packages_should_not_depend_on_frameworks, UapiUsesGuice.class);
    }

    @Test
    void hardware_model_rejects_a_dependency_on_the_driver() {
        assertViolation(SmmurefArchitecture.hardware_model_should_depend_only_on_itself_and_the_jdk,
            HwUsesDriver.class);
    }

    @Test
    void kvm_model_rejects_foreign_dependencies() {
        assertViolation(SmmurefArchitecture.kvm_model_should_depend_only_on_itself_and_the_jdk, KvmUsesSmmu.class);
    }

    @Test
    void uapi_rejects_foreign_dependencies() {
        assertViolation(SmmurefArchitecture.uapi_should_depend_only_on_itself_and_the_jdk, UapiUsesGuice.class);
    }

    @Test
    void vertx_is_rejected_outside_the_server() {
        assertViolation(SmmurefArchitecture.only_the_server_and_launcher_should_use_vertx, KvmUsesVertx.class);
    }

    @Test
    void guice_is_rejected_outside_wiring() {
        assertViolation(SmmurefArchitecture.guice_should_only_be_used_for_wiring, GuiceOutsideWiring.class);
    }

    @Test
    void field_and_method_injection_are_rejected() {
        assertViolation(SmmurefArchitecture.no_field_should_be_injected, FieldInjected.class);
        assertViolation(SmmurefArchitecture.no_method_should_be_injected, MethodInjected.class);
    }

    @Test
    void package_cycles_are_rejected() {
        assertViolation(SmmurefArchitecture.packages_should_be_free_of_cycles, A.class, B.class);
    }

    @Test
    void internal_packages_of_another_module_are_rejected() {
        assertViolation(SmmurefArchitecture.internal_packages_should_not_be_used_across_modules,
            UsesKvmInternal.class);
    }

    @Test
    void a_well_behaved_class_passes_every_rule() {
        JavaClasses good = load(Fine.class);
        for (ArchRule rule : new ArchRule[] {
            SmmurefArchitecture.modules_should_only_depend_along_the_documented_arrows,
            SmmurefArchitecture.server_and_conformance_should_use_only_the_public_iommufd_api,
            SmmurefArchitecture.pure_packages_should_not_depend_on_frameworks,
            SmmurefArchitecture.hardware_model_should_depend_only_on_itself_and_the_jdk,
            SmmurefArchitecture.kvm_model_should_depend_only_on_itself_and_the_jdk,
            SmmurefArchitecture.uapi_should_depend_only_on_itself_and_the_jdk,
            SmmurefArchitecture.only_the_server_and_launcher_should_use_vertx,
            SmmurefArchitecture.guice_should_only_be_used_for_wiring,
            SmmurefArchitecture.no_field_should_be_injected,
            SmmurefArchitecture.no_method_should_be_injected,
            SmmurefArchitecture.packages_should_be_free_of_cycles,
            SmmurefArchitecture.internal_packages_should_not_be_used_across_modules}) {
            assertThatCode(() -> rule.check(good)).as(rule.getDescription()).doesNotThrowAnyException();
        }
    }

    @Test
    void launcher_and_server_count_as_one_module() {
        org.assertj.core.api.Assertions.assertThat(SmmurefArchitecture.moduleOf("org.smmuref.launcher.cli"))
            .isEqualTo(SmmurefArchitecture.moduleOf("org.smmuref.server"));
        org.assertj.core.api.Assertions.assertThat(SmmurefArchitecture.moduleOf("org.smmuref.smmu.hw"))
            .isEqualTo("smmu");
    }
}
