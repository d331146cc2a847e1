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

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.smmuref.client.SmmurefClient;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.uapi.IommufdCommand;

/**
 * A context opened for the v1 (March 2023) ABI: HWPT_ALLOC on a nest-parent HWPT takes the 48-byte
 * {@code iommu_hwpt_arm_smmuv3_v1} inline (members by their v1 names), and its user-chosen {@code s2vmid} stays
 * refused (EOPNOTSUPP without the flag, as docs/vmid-policy.md explains).
 */
class V1AbiOverBusTest {
    private final ApiBed bed = new ApiBed();

    @AfterEach
    void close() {
        bed.close();
    }

    @Test
    void v1_nested_hwpt_from_inline_v1_data_and_the_user_vmid_refused() {
        SmmurefClient c = bed.client();
        String ctx = await(c.open(IommufdAbi.V1_2023));
        // on the BTM SMMU a nested domain needs the VM's KVM VMID: the context is tied to its VM
        await(c.associate(ctx, await(c.createVm())));
        await(c.addGuestRam(ctx, GUEST_VA, GUEST_IPA, GUEST_SIZE));
        int ioas = await(c.ioctlJson(ctx, IommufdCommand.IOAS_ALLOC, new JsonObject())).getInteger("out_ioas_id");
        await(c.ioctlJson(ctx, IommufdCommand.IOAS_MAP, new JsonObject().put("flags", 7).put("ioas_id", ioas)
            .put("user_va", GUEST_VA).put("length", GUEST_SIZE).put("iova", GUEST_IPA)));
        int table = await(c.createStage1Table(ctx, TABLES_IPA, 1 << 20)).getInteger("table");
        await(c.mapStage1(ctx, table, DMA_VA, DATA_IPA, 0x1000, "rwun"));
        await(c.writeContextDescriptor(ctx, table, CD_IPA, 7));
        int dev = await(c.bind(ctx, 0, 0x8));
        int parent = await(c.ioctlJson(ctx, IommufdCommand.HWPT_ALLOC, new JsonObject().put("flags", 1)
            .put("dev_id", dev).put("pt_id", ioas))).getInteger("out_hwpt_id");
        JsonObject v1 = new JsonObject().put("flags", 0).put("s2vmid", 0).put("s1ctxptr", CD_IPA).put("s1cdmax", 0)
            .put("s1fmt", 0).put("s1dss", 0);
        assertThat(failure(c.ioctlJson(ctx, IommufdCommand.HWPT_ALLOC, new JsonObject().put("dev_id", dev)
            .put("pt_id", parent).put("data_type", 2).put("data", v1.copy().put("s2vmid", 9)))).failureCode())
            .as("s2vmid without the flag").isEqualTo(95);
        // The refusal reads "EOPNOTSUPP: <why>" once: the errno prefix is the API's, not part of the reason.
        assertThat(failure(c.ioctlJson(ctx, IommufdCommand.HWPT_ALLOC, new JsonObject().put("dev_id", dev)
            .put("pt_id", parent).put("data_type", 2).put("data", v1.copy().put("flags", 2).put("s2vmid", 9))))
            .getMessage()).as("FLAG_VMID refusal").startsWith("EOPNOTSUPP: a user-chosen stage-2 VMID");
        int nested = await(c.ioctlJson(ctx, IommufdCommand.HWPT_ALLOC, new JsonObject().put("dev_id", dev)
            .put("pt_id", parent).put("data_type", 2).put("data", v1))).getInteger("out_hwpt_id");
        assertThat(await(c.attach(ctx, dev, nested))).isEqualTo(nested);
        assertThat(await(c.dmaWrite(ctx, dev, DMA_VA, new byte[] {42})).getString("outcome")).isEqualTo("completed");
        assertThat(await(c.readGuest(ctx, DATA_IPA, 1))).containsExactly(42);
    }
}
