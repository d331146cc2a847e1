package org.smmuref.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.server.api.ApiBed.await;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.smmuref.client.SmmurefClient;
import org.smmuref.iommufd.uapi.IommufdCommand;

/**
 * vEVENTQ records are pushed with the kernel's sequence numbers, and a full queue shows as LOST_EVENTS: a depth-1
 * queue takes one real fault of a three-fault burst; the other two become the single lost-events header, requeued
 * with the next sequence number each time ({@code iommufd_viommu_report_event}), so the client sees record 0, then
 * LOST_EVENTS with sequence 2, and knows it missed sequence 1.
 */
class EventPublicationTest {
    private final ApiBed bed = new ApiBed();

    @AfterEach
    void close() {
        bed.close();
    }

    private static JsonObject fault(int dev, long address) {
        return new JsonObject().put("dev_id", dev).put("address", address).put("length", 4);
    }

    @Test
    void a_burst_into_a_full_queue_publishes_lost_events_with_a_sequence_gap() throws Exception {
        SmmurefClient c = bed.client();
        NestedFlowTest.Nested n = NestedFlowTest.setUp(c, NestedFlowTest.SID, 1);
        LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
        await(c.subscribe(n.events(), events::add));

        // three faults at distinct unmapped IOVAs (distinct records, never merged), before any interrupt is taken
        var results = await(c.dmaBurst(n.ctx(), List.of(fault(n.dev(), 0x7000_0000L), fault(n.dev(), 0x7010_0000L),
            fault(n.dev(), 0x7020_0000L))));
        assertThat(results).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(results.getJsonObject(i).getString("outcome")).isEqualTo("aborted");
        }
        List<JsonObject> got = take(events, 2);
        assertThat(got.get(0).getLong("sequence")).isZero();
        assertThat(got.get(0).getBoolean("lost_events")).isFalse();
        assertThat(got.get(0).getJsonArray("evt").getLong(2)).isEqualTo(0x7000_0000L);
        assertThat(got.get(1).getBoolean("lost_events")).isTrue();
        assertThat(got.get(1).getLong("flags")).isEqualTo(1);
        assertThat(got.get(1).getLong("sequence")).isEqualTo(2);
        assertThat(got.get(1).containsKey("evt")).isFalse();
        assertThat(bed.metrics.counter("smmuref.events.lost").count()).isEqualTo(1.0);
        assertThat(bed.metrics.counter("smmuref.events.published").count()).isEqualTo(2.0);

        // the queue was drained by the push: the next fault is a real record again, sequence 3
        await(c.dmaRead(n.ctx(), n.dev(), 0x7030_0000L, 4));
        JsonObject next = events.poll(10, TimeUnit.SECONDS);
        assertThat(next).isNotNull();
        assertThat(next.getLong("sequence")).isEqualTo(3);
        assertThat(next.getBoolean("lost_events")).isFalse();
        assertThat(events.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void a_queue_allocated_without_push_keeps_its_records_for_read() {
        SmmurefClient c = bed.client();
        NestedFlowTest.Nested n = NestedFlowTest.setUp(c, NestedFlowTest.SID, 8);
        // a second vIOMMU with a polled queue, on the same nest parent, for a second device
        int dev2 = await(c.bind(n.ctx(), 0, 9));
        // (a second parent would be EBUSY under BTM: one VM's VMID tags one stage-2 table)
        int viommu = await(c.ioctlJson(n.ctx(), IommufdCommand.VIOMMU_ALLOC, new JsonObject().put("type", 1)
            .put("dev_id", dev2).put("hwpt_id", n.parent()))).getInteger("out_viommu_id");
        await(c.ioctlJson(n.ctx(), IommufdCommand.VDEVICE_ALLOC, new JsonObject().put("viommu_id", viommu)
            .put("dev_id", dev2).put("virt_id", 0x77)));
        JsonObject q = await(c.ioctlJson(n.ctx(), IommufdCommand.VEVENTQ_ALLOC, new JsonObject()
            .put("viommu_id", viommu).put("type", 1).put("veventq_depth", 4).put("push", false)));
        long[] ste = await(c.stage1Vste(NestedFlowTest.CD_IPA));
        int nested = await(c.ioctlJson(n.ctx(), IommufdCommand.HWPT_ALLOC, new JsonObject().put("dev_id", dev2)
            .put("pt_id", viommu).put("data_type", 2).put("data", Base64.getEncoder().encodeToString(
                ApiCodec.bytes(ste))))).getInteger("out_hwpt_id");
        await(c.attach(n.ctx(), dev2, nested));
        await(c.dmaRead(n.ctx(), dev2, 0x7000_0000L, 4));
        JsonObject read = await(c.read(n.ctx(), q.getInteger("out_veventq_fd"), 4096));
        assertThat(read.getJsonArray("records")).hasSize(1);
        assertThat(read.getJsonArray("records").getJsonObject(0).getLong("vsid")).isEqualTo(0x77);
        assertThat(Base64.getDecoder().decode(read.getString("bytes"))).hasSize(8 + 32);
    }

    private static List<JsonObject> take(LinkedBlockingQueue<JsonObject> q, int n) throws InterruptedException {
        List<JsonObject> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            JsonObject e = q.poll(10, TimeUnit.SECONDS);
            assertThat(e).as("record %d of %d", i, n).isNotNull();
            out.add(e);
        }
        return out;
    }
}
