package org.smmuref.kvm;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.ArchTests;
import org.smmuref.arch.SmmurefArchitecture;

/** Runs the project's layering rules over this module's production classes. */
@AnalyzeClasses(packages = "org.smmuref.kvm", importOptions = ImportOption.DoNotIncludeTests.class)
class KvmArchitectureTest {
    @ArchTest
    static final ArchTests RULES = ArchTests.in(SmmurefArchitecture.class);
}
