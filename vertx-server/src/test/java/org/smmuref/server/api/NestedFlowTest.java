package org.smmuref.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.server.api.ApiBed.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.smmuref.client.SmmurefClient;
import org.smmuref.iommufd.uapi.IommufdCommand;

/**
 * A whole nested flow as a VMM and its guest drive it over the event bus, in the JSON form: guest RAM mapped into an
 * IOAS, a nest-parent HWPT, a vIOMMU with a vDEVICE and a vEVENTQ, the guest's stage-1 table and CD, the nested HWPT
 * from the vSTE, DMA through both stages, the guest's unmap and TLBI_NH_VA through HWPT_INVALIDATE, and the fault
 * pushed to the vEVENTQ's address with the vSID (the data flow of docs/architecture.md).
 */
class NestedFlowTest {
    static final long GUEST_VA = 0x1_0000_0000L;
    static final long GUEST_IPA = 0x8000_0000L;
    static final long GUEST_SIZE = 16L << 20;
    static final long CD_IPA = GUEST_IPA;
    static final long DATA_IPA = GUEST_IPA + 0x10_0000;
    static final long TABLES_IPA = GUEST_IPA + 0x20_0000;
    static final long DMA_VA = 0x1000_0000L;
    static final int SID = 0x8;
    static final int VSID = 0x42;
    static final int ASID = 5;
    // uAPI values written from the kernel header, independent of the uapi classes
    static final int IOAS_MAP_FIXED_IOVA = 1;
    static final int IOAS_MAP_WRITEABLE = 2;
    static final int IOAS_MAP_READABLE = 4;
    static final int HWPT_ALLOC_NEST_PARENT = 1;
    static final int VIOMMU_TYPE_ARM_SMMUV3 = 1;
    static final int HWPT_DATA_ARM_SMMUV3 = 2;
    static final int VEVENTQ_TYPE_ARM_SMMUV3 = 1;
    static final int VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1;

    private final ApiBed bed = new ApiBed();

    @AfterEach
    void close() {
        bed.close();
    }

    /** The ids of a nested setup. */
    record Nested(String ctx, int dev, int ioas, int viommu, int nested, int table, String events, int veventqFd,
                  int parent) {
    }

    /**
     * Builds the whole nested setup of one VMM for device {@code sid}, its context tied to a new VM of {@code c} (a
     * vIOMMU on the BTM SMMU of the default machine must be tied: an untied one is EINVAL); a vEVENTQ of
     * {@code depth}.
     */
    static Nested setUp(SmmurefClient c, int sid, int depth) {
        return setUp(c, sid, depth, await(c.createVm()));
    }

    /** The nested setup, its context tied to KVM VM {@code vm} (a handle of {@code c}) first when not null. */
    static Nested setUp(SmmurefClient c, int sid, int depth, String vm) {
        String ctx = await(c.open());
        if (vm != null) {
            await(c.associate(ctx, vm));
        }
        await(c.addGuestRam(ctx, GUEST_VA, GUEST_IPA, GUEST_SIZE));
        int ioas = json(c, ctx, IommufdCommand.IOAS_ALLOC, new JsonObject()).getInteger("out_ioas_id");
        json(c, ctx, IommufdCommand.IOAS_MAP, new JsonObject()
            .put("flags", IOAS_MAP_FIXED_IOVA | IOAS_MAP_READABLE | IOAS_MAP_WRITEABLE).put("ioas_id", ioas)
            .put("user_va", GUEST_VA).put("length", GUEST_SIZE).put("iova", GUEST_IPA));
        JsonObject table = await(c.createStage1Table(ctx, TABLES_IPA, 1 << 20));
        int t = table.getInteger("table");
        await(c.mapStage1(ctx, t, DMA_VA, DATA_IPA, 0x2000, "rwun"));
        long[] cd = await(c.writeContextDescriptor(ctx, t, CD_IPA, ASID));
        assertThat((cd[0] >>> 31) & 1).as("CD.V (bit 31)").isEqualTo(1);
        int dev = await(c.bind(ctx, 0, sid));
        int parent = json(c, ctx, IommufdCommand.HWPT_ALLOC, new JsonObject().put("flags", HWPT_ALLOC_NEST_PARENT)
            .put("dev_id", dev).put("pt_id", ioas)).getInteger("out_hwpt_id");
        int viommu = json(c, ctx, IommufdCommand.VIOMMU_ALLOC, new JsonObject().put("type", VIOMMU_TYPE_ARM_SMMUV3)
            .put("dev_id", dev).put("hwpt_id", parent)).getInteger("out_viommu_id");
        json(c, ctx, IommufdCommand.VDEVICE_ALLOC, new JsonObject().put("viommu_id", viommu).put("dev_id", dev)
            .put("virt_id", VSID));
        JsonObject q = json(c, ctx, IommufdCommand.VEVENTQ_ALLOC, new JsonObject().put("viommu_id", viommu)
            .put("type", VEVENTQ_TYPE_ARM_SMMUV3).put("veventq_depth", depth));
        long[] ste = await(c.stage1Vste(CD_IPA));
        int nested = json(c, ctx, IommufdCommand.HWPT_ALLOC, new JsonObject().put("dev_id", dev).put("pt_id", viommu)
            .put("data_type", HWPT_DATA_ARM_SMMUV3).put("data", new JsonObject().put("ste",
                new JsonArray().add(ste[0]).add(ste[1])))).getInteger("out_hwpt_id");
        assertThat(await(c.attach(ctx, dev, nested))).isEqualTo(nested);
        return new Nested(ctx, dev, ioas, viommu, nested, t, q.getString("events_address"),
            q.getInteger("out_veventq_fd"), parent);
    }

    static JsonObject json(SmmurefClient c, String ctx, IommufdCommand cmd, JsonObject members) {
        return await(c.ioctlJson(ctx, cmd, members));
    }

    /** CMD_TLBI_NH_VA (opcode 0x12) for one leaf page, from the SMMU spec's command layout. */
    static JsonArray tlbiNhVa(int asid, long va) {
        return new JsonArray().add(0x12L | (long) asid << 48).add((va & ~0xFFFL) | 1);
    }

    @Test
    void a_guest_maps_dmas_unmaps_invalidates_and_the_fault_is_pushed_with_its_vsid() throws Exception {
        SmmurefClient c = bed.client();
        Nested n = setUp(c, SID, 8);
        LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
        await(c.subscribe(n.events(), events::add));
        assertThat(n.events()).startsWith("smmuref.events.local.veventq.");

        byte[] payload = "nested DMA".getBytes(StandardCharsets.US_ASCII);
        JsonObject w = await(c.dmaWrite(n.ctx(), n.dev(), DMA_VA + 0x10, payload));
        assertThat(w.getString("outcome")).isEqualTo("completed");
        assertThat(await(c.readGuest(n.ctx(), DATA_IPA + 0x10, payload.length))).isEqualTo(payload);
        JsonObject t = await(c.dmaTranslate(n.ctx(), n.dev(), DMA_VA + 0x1008, false));
        assertThat(t.getString("outcome")).isEqualTo("translated");

        // Unmapped but not invalidated: the SMMU may still use its TLB entry (the model must show it).
        assertThat(await(c.unmapStage1(n.ctx(), n.table(), DMA_VA, 0x1000))).isEqualTo(0x1000L);
        assertThat(await(c.dmaTranslate(n.ctx(), n.dev(), DMA_VA, false)).getString("outcome"))
            .isEqualTo("translated");
        JsonObject inv = json(c, n.ctx(), IommufdCommand.HWPT_INVALIDATE, new JsonObject()
            .put("hwpt_id", n.viommu()).put("data_type", VIOMMU_INVALIDATE_DATA_ARM_SMMUV3)
            .put("entries", new JsonArray().add(tlbiNhVa(ASID, DMA_VA))));
        assertThat(inv.getInteger("entry_num")).isEqualTo(1);

        JsonObject r = await(c.dmaRead(n.ctx(), n.dev(), DMA_VA + 0x20, 4));
        assertThat(r.getString("outcome")).isEqualTo("aborted");
        assertThat(r.getInteger("transferred")).isZero();
        JsonObject e = events.poll(10, TimeUnit.SECONDS);
        assertThat(e).as("the fault is pushed").isNotNull();
        assertThat(e.getLong("sequence")).isZero();
        assertThat(e.getBoolean("lost_events")).isFalse();
        assertThat(e.getLong("event_id")).as("F_TRANSLATION").isEqualTo(0x10);
        assertThat(e.getLong("vsid")).isEqualTo(VSID);
        assertThat(e.getJsonArray("evt").getLong(2)).as("input address").isEqualTo(DMA_VA + 0x20);
        assertThat(bed.metrics.counter("smmuref.events.published").count()).isEqualTo(1.0);

        // The other page is still mapped and reads what was written through the first.
        JsonObject ok = await(c.dmaRead(n.ctx(), n.dev(), DMA_VA + 0x1000, 4));
        assertThat(ok.getString("outcome")).isEqualTo("completed");
        assertThat(Base64.getDecoder().decode(ok.getString("data"))).hasSize(4);
    }
}
