package org.smmuref.server;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.ArchTests;
import org.smmuref.arch.SmmurefArchitecture;

/** Runs the project's layering rules over the front end, its client and the launcher. */
@AnalyzeClasses(packages = {"org.smmuref.server", "org.smmuref.client", "org.smmuref.launcher"},
    importOptions = ImportOption.DoNotIncludeTests.class)
class ServerArchitectureTest {
    @ArchTest
    static final ArchTests RULES = ArchTests.in(SmmurefArchitecture.class);
}
