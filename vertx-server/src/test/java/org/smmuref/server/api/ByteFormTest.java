package org.smmuref.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.server.api.ApiBed.await;
import static org.smmuref.server.api.ApiBed.failure;
import static org.smmuref.server.api.NestedFlowTest.CD_IPA;
import static org.smmuref.server.api.NestedFlowTest.DATA_IPA;
import static org.smmuref.server.api.NestedFlowTest.DMA_VA;
import static org.smmuref.server.api.NestedFlowTest.GUEST_IPA;
import static org.smmuref.server.api.NestedFlowTest.GUEST_SIZE;
import static org.smmuref.server.api.NestedFlowTest.GUEST_VA;
import static org.smmuref.server.api.NestedFlowTest.TABLES_IPA;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.smmuref.client.SmmurefClient;
import org.smmuref.iommufd.uapi.IommuHwptAlloc;
import org.smmuref.iommufd.uapi.IommuHwptInvalidate;
import org.smmuref.iommufd.uapi.IommuIoasAlloc;
import org.smmuref.iommufd.uapi.IommuIoasAllowIovas;
import org.smmuref.iommufd.uapi.IommuIoasIovaRanges;
import org.smmuref.iommufd.uapi.IommuIoasMap;
import org.smmuref.iommufd.uapi.IommuVdeviceAlloc;
import org.smmuref.iommufd.uapi.IommuVeventqAlloc;
import org.smmuref.iommufd.uapi.IommuViommuAlloc;
import org.smmuref.iommufd.uapi.IommufdCommand;

/**
 * The byte form: raw little-endian structs in a Buffer (and base64 in JSON, the bridge's carrier), with embedded user
 * pointers being addresses in the context's process memory, exactly as for the real ioctl. The same nested flow as
 * {@link NestedFlowTest}, and the JSON form's inline arrays agree with what the pointers give.
 */
class ByteFormTest {
    static final long ARRAYS_VA = 0x5000_0000L;
    private final ApiBed bed = new ApiBed();

    @AfterEach
    void close() {
        bed.close();
    }

    private static byte[] le(long... words) {
        ByteBuffer b = ByteBuffer.allocate(words.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long w : words) {
            b.putLong(w);
        }
        return b.array();
    }

    @Test
    void a_nested_flow_in_struct_bytes_with_pointers_into_process_memory() {
        SmmurefClient c = bed.client();
        String ctx = await(c.open());
        // a vIOMMU on the BTM SMMU needs the VM's KVM VMID: the context is tied to its VM
        await(c.associate(ctx, await(c.createVm())));
        await(c.addGuestRam(ctx, GUEST_VA, GUEST_IPA, GUEST_SIZE));
        await(c.mmap(ctx, ARRAYS_VA, 0x10000));
        int ioas = await(c.ioasAlloc(ctx, new IommuIoasAlloc(IommuIoasAlloc.SIZE, 0, 0))).outIoasId();
        // IOAS_ALLOW_IOVAS reads {start, last} pairs at the user pointer
        await(c.writeProcess(ctx, ARRAYS_VA, le(GUEST_IPA, GUEST_IPA + GUEST_SIZE - 1)));
        await(c.ioasAllowIovas(ctx, new IommuIoasAllowIovas(IommuIoasAllowIovas.SIZE, ioas, 1, 0, ARRAYS_VA)));
        IommuIoasMap map = await(c.ioasMap(ctx, new IommuIoasMap(IommuIoasMap.SIZE, 2 | 4, ioas, 0, GUEST_VA,
            GUEST_SIZE, 0)));
        assertThat(map.iova()).as("allocated inside the allowed range").isEqualTo(GUEST_IPA);

        // IOAS_IOVA_RANGES writes its ranges to the user pointer; the JSON form's inline answer agrees
        IommuIoasIovaRanges r = await(c.ioasIovaRanges(ctx, new IommuIoasIovaRanges(IommuIoasIovaRanges.SIZE, ioas,
            4, 0, ARRAYS_VA + 0x1000, 0)));
        byte[] written = await(c.readProcess(ctx, ARRAYS_VA + 0x1000, r.numIovas() * 16));
        JsonArray inline = await(c.ioctlJson(ctx, IommufdCommand.IOAS_IOVA_RANGES, new JsonObject()
            .put("ioas_id", ioas).put("num_iovas", 4))).getJsonArray("allowed_iovas");
        assertThat(inline).hasSize(r.numIovas());
        ByteBuffer w = ByteBuffer.wrap(written).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < r.numIovas(); i++) {
            assertThat(ApiCodec.number(inline.getJsonObject(i).getValue("start"), "start", 64)).isEqualTo(w.getLong());
            assertThat(ApiCodec.number(inline.getJsonObject(i).getValue("last"), "last", 64)).isEqualTo(w.getLong());
        }
        // EMSGSIZE writes the struct back: the failure carries it
        ReplyException tooSmall = failure(c.ioasIovaRanges(ctx, new IommuIoasIovaRanges(IommuIoasIovaRanges.SIZE,
            ioas, 0, 0, ARRAYS_VA + 0x1000, 0)));
        assertThat(tooSmall.failureCode()).isEqualTo(90);
        IommuIoasIovaRanges back = IommuIoasIovaRanges.decode(SmmurefClient.writtenBack(tooSmall).orElseThrow());
        assertThat(back.numIovas()).isEqualTo(r.numIovas());

        // the guest's tables through the platform operations, then the nested objects as structs
        int table = await(c.createStage1Table(ctx, TABLES_IPA, 1 << 20)).getInteger("table");
        await(c.mapStage1(ctx, table, DMA_VA, DATA_IPA, 0x1000, "rwun"));
        await(c.writeContextDescriptor(ctx, table, CD_IPA, 9));
        int dev = await(c.bind(ctx, 0, 0xb));
        int parent = await(c.hwptAlloc(ctx, new IommuHwptAlloc(IommuHwptAlloc.SIZE, 1, dev, ioas, 0, 0, 0, 0, 0, 0,
            0))).outHwptId();
        int viommu = await(c.viommuAlloc(ctx, new IommuViommuAlloc(IommuViommuAlloc.SIZE, 0, 1, dev, parent, 0, 0, 0,
            0))).outViommuId();
        await(c.vdeviceAlloc(ctx, new IommuVdeviceAlloc(IommuVdeviceAlloc.SIZE, viommu, dev, 0, 0x55)));
        long[] ste = await(c.stage1Vste(CD_IPA));
        await(c.writeProcess(ctx, ARRAYS_VA + 0x2000, le(ste)));
        int nested = await(c.hwptAlloc(ctx, new IommuHwptAlloc(IommuHwptAlloc.SIZE, 0, dev, viommu, 0, 0, 2, 16,
            ARRAYS_VA + 0x2000, 0, 0))).outHwptId();
        await(c.attach(ctx, dev, nested));
        assertThat(await(c.dmaWrite(ctx, dev, DMA_VA, new byte[] {7})).getString("outcome")).isEqualTo("completed");
        assertThat(await(c.readGuest(ctx, DATA_IPA, 1))).containsExactly(7);
        assertThat(await(c.mmioRead64(0, 0x80))).as("STRTAB_BASE is programmed").isNotZero();

        // unmap, TLBI_NH_VA from process memory, and the DMA faults
        await(c.unmapStage1(ctx, table, DMA_VA, 0x1000));
        await(c.writeProcess(ctx, ARRAYS_VA + 0x3000, le(0x12L | 9L << 48, DMA_VA | 1)));
        IommuHwptInvalidate inv = await(c.hwptInvalidate(ctx, new IommuHwptInvalidate(IommuHwptInvalidate.SIZE,
            viommu, ARRAYS_VA + 0x3000, 1, 16, 1, 0)));
        assertThat(inv.entryNum()).isEqualTo(1);
        assertThat(await(c.dmaRead(ctx, dev, DMA_VA, 1)).getString("outcome")).isEqualTo("aborted");
    }

    @Test
    void the_base64_carrier_and_the_events_address_header() {
        SmmurefClient c = bed.client();
        NestedFlowTest.Nested n = NestedFlowTest.setUp(c, NestedFlowTest.SID, 8);
        byte[] alloc = new IommuIoasAlloc(IommuIoasAlloc.SIZE, 0, 0).encode();
        JsonObject reply = await(c.request("iommufd", "ioas_alloc", new JsonObject().put("ctx", n.ctx())
            .put("bytes", Base64.getEncoder().encodeToString(alloc))));
        assertThat(IommuIoasAlloc.decode(Base64.getDecoder().decode(reply.getString("bytes"))).outIoasId())
            .isPositive();

        // a second vIOMMU's queue, allocated from bytes: the address comes back in a header
        // on the same nest parent (a second parent would be EBUSY under BTM: one VM's VMID tags one S2 table)
        int viommu = await(c.ioctlJson(n.ctx(), IommufdCommand.VIOMMU_ALLOC, new JsonObject().put("type", 1)
            .put("dev_id", n.dev()).put("hwpt_id", n.parent()))).getInteger("out_viommu_id");
        byte[] q = new IommuVeventqAlloc(IommuVeventqAlloc.SIZE, 0, viommu, 1, 4, 0, 0, 0).encode();
        Message<Buffer> m = await(bed.vertx.eventBus().<Buffer>request(ApiAddresses.address("local", "iommufd",
            "veventq_alloc"), Buffer.buffer(q), new DeliveryOptions().addHeader(ApiHeaders.CLIENT, c.clientId())
            .addHeader(ApiHeaders.CONTEXT, n.ctx())));
        assertThat(IommuVeventqAlloc.decode(m.body().getBytes()).outVeventqFd()).isPositive();
        assertThat(m.headers().get(ApiHeaders.EVENTS_ADDRESS)).startsWith("smmuref.events.local.veventq.")
            .isNotEqualTo(n.events());
    }
}
