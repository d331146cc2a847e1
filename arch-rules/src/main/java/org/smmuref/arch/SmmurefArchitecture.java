package org.smmuref.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

/**
 * The layering rules of smmuref, shared by every module's architecture test.
 *
 * <p>Each module imports only its own production classes and runs {@code ArchTests.in(SmmurefArchitecture.class)};
 * the rules therefore look at outgoing dependencies, which is what a module controls. Rules that name packages a
 * module does not have are allowed to match nothing there.
 */
public final class SmmurefArchitecture {

    /** Root package of the iommufd-api module. */
    public static final String IOMMUFD = "org.smmuref.iommufd..";
    /** Root package of the kvm-vmid module. */
    public static final String KVM = "org.smmuref.kvm..";
    /** Root package of the smmu-core module. */
    public static final String SMMU = "org.smmuref.smmu..";
    /** The Vert.x front end of the vertx-server module. */
    public static final String SERVER = "org.smmuref.server..";
    /** The typed event-bus client of the vertx-server module. */
    public static final String CLIENT = "org.smmuref.client..";
    /** The launcher (composition root) of the vertx-server module. */
    public static final String LAUNCHER = "org.smmuref.launcher..";
    /** Root package of the conformance-tests module. */
    public static final String CONFORMANCE = "org.smmuref.conformance..";

    /** Packages that must stay plain Java: the hardware model, the KVM model and the uAPI structs. */
    static final String[] PURE = {"org.smmuref.smmu.hw..", "org.smmuref.kvm..", "org.smmuref.iommufd.uapi.."};

    private static final String[] FRAMEWORKS = {
        "io.vertx..", "io.netty..", "com.google.inject..", "com.google.common..", "jakarta.inject..",
        "javax.inject..", "org.slf4j..", "ch.qos.logback..", "org.apache.logging..", "java.util.logging..",
        "com.hazelcast..", "io.micrometer..", "picocli.."
    };

    private SmmurefArchitecture() {
    }

    /** The module arrows of docs/architecture.md, and no others. */
    @ArchTest
    public static final ArchRule modules_should_only_depend_along_the_documented_arrows =
        layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("iommufd-api").definedBy(IOMMUFD)
            .layer("kvm-vmid").definedBy(KVM)
            .layer("smmu-core").definedBy(SMMU)
            .layer("server").definedBy(SERVER)
            .layer("client").definedBy(CLIENT)
            .layer("launcher").definedBy(LAUNCHER)
            .layer("conformance-tests").definedBy(CONFORMANCE)
            .whereLayer("iommufd-api").mayNotAccessAnyLayer()
            .whereLayer("kvm-vmid").mayNotAccessAnyLayer()
            .whereLayer("smmu-core").mayOnlyAccessLayers("iommufd-api", "kvm-vmid")
            .whereLayer("server").mayOnlyAccessLayers("iommufd-api")
            .whereLayer("client").mayOnlyAccessLayers("iommufd-api", "server")
            .whereLayer("conformance-tests").mayOnlyAccessLayers("iommufd-api")
            .withOptionalLayers(true)
            .allowEmptyShould(true);

    /** The front end, its client and the TCK talk to iommufd only through its public interfaces and uAPI values. */
    @ArchTest
    public static final ArchRule server_and_conformance_should_use_only_the_public_iommufd_api =
        noClasses().that().resideInAnyPackage(SERVER, CLIENT, CONFORMANCE)
            .should().dependOnClassesThat().resideInAnyPackage("org.smmuref.iommufd.core..", "org.smmuref.iommufd.spi..")
            .allowEmptyShould(true)
            .because("a remote or vendor implementation must be able to stand behind the same interface");

    /** The hardware model, the KVM model and the uAPI values stay free of frameworks. */
    @ArchTest
    public static final ArchRule pure_packages_should_not_depend_on_frameworks =
        noClasses().that().resideInAnyPackage(PURE)
            .should().dependOnClassesThat().resideInAnyPackage(FRAMEWORKS)
            .allowEmptyShould(true)
            .because("the core model must be usable from any Java program without Vert.x, Guice or a logging stack");

    /** The hardware model depends on nothing but itself and the JDK. */
    @ArchTest
    public static final ArchRule hardware_model_should_depend_only_on_itself_and_the_jdk =
        classes().that().resideInAPackage("org.smmuref.smmu.hw..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("org.smmuref.smmu.hw..", "java..")
            .allowEmptyShould(true);

    /** The KVM model depends on nothing but itself and the JDK. */
    @ArchTest
    public static final ArchRule kvm_model_should_depend_only_on_itself_and_the_jdk =
        classes().that().resideInAPackage(KVM)
            .should().onlyDependOnClassesThat().resideInAnyPackage(KVM, "java..")
            .allowEmptyShould(true);

    /** The uAPI values depend on nothing but themselves and the JDK. */
    @ArchTest
    public static final ArchRule uapi_should_depend_only_on_itself_and_the_jdk =
        classes().that().resideInAPackage("org.smmuref.iommufd.uapi..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("org.smmuref.iommufd.uapi..", "java..")
            .allowEmptyShould(true);

    /** Vert.x belongs to the front end, its client and the launcher. */
    @ArchTest
    public static final ArchRule only_the_server_and_launcher_should_use_vertx =
        noClasses().that().resideOutsideOfPackages(SERVER, CLIENT, LAUNCHER)
            .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "io.netty..")
            .allowEmptyShould(true);

    /** Guice modules and providers live in wiring packages, the server and the launcher. */
    @ArchTest
    public static final ArchRule guice_should_only_be_used_for_wiring =
        noClasses().that().resideOutsideOfPackages("..wiring..", SERVER, LAUNCHER)
            .should().dependOnClassesThat().resideInAPackage("com.google.inject..")
            .allowEmptyShould(true)
            .because("classes take their collaborators through constructors; only modules know Guice");

    /** Collaborators arrive through constructors, never through injected fields or setters. */
    @ArchTest
    public static final ArchRule no_field_should_be_injected =
        noFields().should().beAnnotatedWith("jakarta.inject.Inject")
            .orShould().beAnnotatedWith("com.google.inject.Inject")
            .orShould().beAnnotatedWith("javax.inject.Inject")
            .allowEmptyShould(true);

    /** Collaborators arrive through constructors, never through injected methods. */
    @ArchTest
    public static final ArchRule no_method_should_be_injected =
        noMethods().should().beAnnotatedWith("jakarta.inject.Inject")
            .orShould().beAnnotatedWith("com.google.inject.Inject")
            .orShould().beAnnotatedWith("javax.inject.Inject")
            .allowEmptyShould(true);

    /** Packages of one module form no cycle. */
    @ArchTest
    public static final ArchRule packages_should_be_free_of_cycles =
        slices().matching("org.smmuref.(**)").should().beFreeOfCycles().allowEmptyShould(true);

    /** A package named {@code internal} is used only by the module that owns it. */
    @ArchTest
    public static final ArchRule internal_packages_should_not_be_used_across_modules =
        classes().should(notUseInternalPackagesOfOtherModules()).allowEmptyShould(true);

    private static ArchCondition<JavaClass> notUseInternalPackagesOfOtherModules() {
        return new ArchCondition<>("not use internal packages of another module") {
            @Override
            public void check(JavaClass origin, ConditionEvents events) {
                String originModule = moduleOf(origin.getPackageName());
                origin.getDirectDependenciesFromSelf().forEach(dependency -> {
                    String target = dependency.getTargetClass().getPackageName();
                    boolean internal = target.startsWith("org.smmuref.")
                        && (target.contains(".internal.") || target.endsWith(".internal"));
                    if (internal && !moduleOf(target).equals(originModule)) {
                        events.add(SimpleConditionEvent.violated(dependency, dependency.getDescription()));
                    }
                });
            }
        };
    }

    /** The module a package belongs to: its first segment under {@code org.smmuref}. */
    static String moduleOf(String packageName) {
        if (!packageName.startsWith("org.smmuref.")) {
            return packageName;
        }
        String rest = packageName.substring("org.smmuref.".length());
        int dot = rest.indexOf('.');
        String first = dot < 0 ? rest : rest.substring(0, dot);
        // The launcher, the client and the server ship in one module.
        return first.equals("launcher") || first.equals("client") ? "server" : first;
    }
}
