package org.smmuref.iommufd;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.ArchTests;
import org.smmuref.arch.SmmurefArchitecture;

/** Runs the project's layering rules over this module's production classes. */
@AnalyzeClasses(packages = "org.smmuref.iommufd", importOptions = ImportOption.DoNotIncludeTests.class)
class IommufdArchitectureTest {
    @ArchTest
    static final ArchTests RULES = ArchTests.in(SmmurefArchitecture.class);
}
