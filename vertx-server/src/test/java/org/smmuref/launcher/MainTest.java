package org.smmuref.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MainTest extends CliTestBase {
    @Test
    void version_prints_the_build_version() {
        assertThat(run("version")).isZero();
        assertThat(out.toString()).startsWith("smmuref 0.").contains("java 17");
    }

    @Test
    void help_lists_every_subcommand() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("serve", "version");
    }

    @Test
    void every_subcommand_has_help() {
        for (String sub : Main.commandLine().getSubcommands().keySet()) {
            if (sub.equals("help")) {
                continue;
            }
            out.getBuffer().setLength(0);
            assertThat(run(sub, "--help")).as(sub).isZero();
            assertThat(out.toString()).as(sub).contains("Usage: smmuref " + sub);
        }
    }

    @Test
    void no_subcommand_is_a_usage_error() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("a subcommand is required");
    }

    @Test
    void serve_starts_the_injector_and_server_then_stops() {
        assertThat(run("serve", "--http-port", "0", "--bridge-port", "0", "--exit-after-start")).isZero();
        assertThat(out.toString()).contains("platform 'local' (1 SMMU, 8 devices, KVM with 4 CPUs)",
            "bridge: tcp://127.0.0.1:", "health: http://127.0.0.1:", "smmuref.server.health",
            "metrics: http://127.0.0.1:", "/inspector/ (read-only page)");
    }

    @Test
    void serve_rejects_a_bad_port_with_a_clear_message() {
        assertThat(run("serve", "--http-port", "99999")).isEqualTo(2);
        assertThat(err.toString()).contains("httpPort must be 0..65535");
    }
}
