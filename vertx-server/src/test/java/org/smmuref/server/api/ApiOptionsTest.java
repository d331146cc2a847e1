package org.smmuref.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class ApiOptionsTest {
    @Test
    void json_round_trips_and_defaults_fill_the_rest() {
        ApiOptions o = ApiOptions.defaults().withNode("node-2").withMaxBodyBytes(4096).withWorkerThreads(2)
            .withHardwareWrites(true);
        assertThat(ApiOptions.fromJson(o.toJson())).isEqualTo(o);
        assertThat(ApiOptions.fromJson(new JsonObject().put("node", "b"))).isEqualTo(ApiOptions.defaults()
            .withNode("b"));
    }

    @Test
    void bad_values_and_unknown_keys_are_refused_by_name() {
        assertThatThrownBy(() -> ApiOptions.fromJson(new JsonObject().put("nodes", "a")))
            .hasMessageContaining("'nodes'");
        assertThatThrownBy(() -> ApiOptions.fromJson(new JsonObject().put("node", "Not OK")))
            .hasMessageContaining("node");
        assertThatThrownBy(() -> ApiOptions.fromJson(new JsonObject().put("workerThreads", 0)))
            .hasMessageContaining("workerThreads");
        assertThatThrownBy(() -> ApiOptions.fromJson(new JsonObject().put("maxBodyBytes", "big")))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ApiOptions.defaults().withMaxBodyBytes(10)).hasMessageContaining("maxBodyBytes");
    }

    @Test
    void addresses_follow_the_contract() {
        assertThat(ApiAddresses.address("local", "iommufd", "hwpt_alloc")).isEqualTo("smmuref.local.iommufd.hwpt_alloc");
        assertThat(ApiAddresses.inbound("smmuref.node-2.hw.mmio_read")).isTrue();
        assertThat(ApiAddresses.inbound(ApiAddresses.clientGone("local"))).isFalse();
        assertThat(ApiAddresses.inbound("smmuref.events.local.veventq.x")).isFalse();
        assertThat("smmuref.events.local.veventq.abc").matches(ApiAddresses.OUTBOUND_REGEX);
        assertThatThrownBy(() -> ApiAddresses.address("local", "iommu", "open")).hasMessageContaining("group");
        assertThatThrownBy(() -> ApiAddresses.address("Local", "iommufd", "open")).hasMessageContaining("node");
    }
}
