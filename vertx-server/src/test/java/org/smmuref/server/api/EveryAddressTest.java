package org.smmuref.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.server.api.ApiBed.await;
import static org.smmuref.server.api.ApiBed.failure;
import static org.smmuref.server.api.NestedFlowTest.DMA_VA;
import static org.smmuref.server.api.NestedFlowTest.GUEST_IPA;
import static org.smmuref.server.api.NestedFlowTest.GUEST_VA;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.smmuref.client.SmmurefClient;
import org.smmuref.iommufd.uapi.IommufdCommand;

/**
 * Every address the verticle registers, each answered once with success and once with an errno over a real event
 * bus; the test fails naming any address that lacks either (the commands that cannot succeed on this machine answer
 * an errno only: HW_QUEUE_ALLOC without a CMDQV, and dirty tracking without HTTU).
 * Errnos are the kernel's for the case (uapi.md and iommufd-driver.md tables).
 */
class EveryAddressTest {
    // errno numbers written out, independent of the Errno enum
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EBADF = 9;
    static final int EFAULT = 14;
    static final int EBUSY = 16;
    static final int EEXIST = 17;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENOTTY = 25;
    static final int EMSGSIZE = 90;
    static final int EOPNOTSUPP = 95;
    /**
     * Commands that cannot succeed here, with the errno a zeroed struct gets: EOPNOTSUPP where the DEFAULT HW queue
     * type is refused (iommufd_hw_queue_alloc_ioctl); ENOENT for the dirty commands, whose hwpt_id 0 names no paging
     * HWPT (iommufd_get_hwpt_paging), and the ARM SMMUv3 reference has no HTTU, so no HWPT of it has dirty ops.
     */
    static final java.util.Map<String, Integer> UNIMPLEMENTED_ERRNO = java.util.Map.of(
        "iommufd.hwpt_set_dirty_tracking", ENOENT, "iommufd.hwpt_get_dirty_bitmap", ENOENT, "iommufd.hw_queue_alloc",
        EOPNOTSUPP);
    static final Set<String> UNIMPLEMENTED = UNIMPLEMENTED_ERRNO.keySet();

    private final ApiBed bed = new ApiBed(ApiOptions.defaults().withHardwareWrites(true), ApiBed.withAts());
    private final Set<String> succeeded = new HashSet<>();
    private final Set<String> failed = new HashSet<>();
    private SmmurefClient client;
    private String ctx;

    @AfterEach
    void close() {
        bed.close();
    }

    private JsonObject ok(String op, JsonObject body) {
        String[] p = op.split("\\.");
        JsonObject reply = await(client.request(p[0], p[1], body));
        succeeded.add(op);
        return reply;
    }

    private ReplyException err(String op, Object body, int errno) {
        String[] p = op.split("\\.");
        DeliveryOptions d = new DeliveryOptions().addHeader(ApiHeaders.CLIENT, client.clientId());
        ReplyException e = failure(bed.vertx.eventBus().request(ApiAddresses.address("local", p[0], p[1]), body, d));
        assertThat(e.failureCode()).as("%s: %s", op, e.getMessage()).isEqualTo(errno);
        assertThat(e.getMessage()).as(op).matches("E[A-Z0-9]+: .+");
        failed.add(op);
        return e;
    }

    private JsonObject c() {
        return new JsonObject().put("ctx", ctx);
    }

    @Test
    void every_address_answers_a_success_and_an_errno() {
        client = bed.client();
        NestedFlowTest.Nested n = NestedFlowTest.setUp(client, NestedFlowTest.SID, 8);
        ctx = n.ctx();
        long ioctlIoasAlloc = 0x3b81;

        // ---- iommufd
        String other = ok("iommufd.open", new JsonObject().put("abi", "v1_2023")).getString("ctx");
        err("iommufd.open", new JsonObject().put("abi", "v9"), EINVAL);
        ok("iommufd.close", new JsonObject().put("ctx", other));
        err("iommufd.close", new JsonObject().put("ctx", other), EBADF);
        ok("iommufd.read", c().put("fd", n.veventqFd()).put("count", 4096));
        err("iommufd.read", c().put("fd", 999), EBADF);
        byte[] alloc = {12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        JsonObject raw = ok("iommufd.ioctl", c().put("request", ioctlIoasAlloc)
            .put("bytes", Base64.getEncoder().encodeToString(alloc)));
        assertThat(Base64.getDecoder().decode(raw.getString("bytes"))[8]).as("out_ioas_id").isNotZero();
        err("iommufd.ioctl", c().put("request", 0x3bffL).put("bytes", Base64.getEncoder().encodeToString(alloc)),
            ENOTTY);
        int ioas2 = ok("iommufd.ioas_alloc", c()).getInteger("out_ioas_id");
        err("iommufd.ioas_alloc", c().put("flags", 1), EOPNOTSUPP);
        ok("iommufd.destroy", c().put("id", ioas2));
        err("iommufd.destroy", c().put("id", ioas2), ENOENT);
        int ioas3 = ok("iommufd.ioas_alloc", c()).getInteger("out_ioas_id");
        ok("iommufd.ioas_allow_iovas", c().put("ioas_id", ioas3).put("allowed_iovas", new JsonArray()
            .add(new JsonObject().put("start", 0x10_0000).put("last", 0xff_ffff))));
        err("iommufd.ioas_allow_iovas", c().put("ioas_id", 9999).put("allowed_iovas", new JsonArray()), ENOENT);
        JsonObject ranges = ok("iommufd.ioas_iova_ranges", c().put("ioas_id", n.ioas()).put("num_iovas", 8));
        assertThat(ranges.getJsonArray("allowed_iovas")).isNotEmpty();
        ReplyException small = err("iommufd.ioas_iova_ranges", c().put("ioas_id", n.ioas()).put("num_iovas", 0),
            EMSGSIZE);
        assertThat(small.getMessage()).contains("reply=").contains("\"num_iovas\"");
        ok("iommufd.ioas_copy", c().put("flags", 1 | 2 | 4).put("dst_ioas_id", ioas3).put("src_ioas_id", n.ioas())
            .put("length", 0x1000).put("dst_iova", 0x20_0000).put("src_iova", GUEST_IPA));
        err("iommufd.ioas_copy", c().put("flags", 1 | 2 | 4).put("dst_ioas_id", ioas3).put("src_ioas_id", 9999)
            .put("length", 0x1000).put("dst_iova", 0x20_0000).put("src_iova", GUEST_IPA), ENOENT);
        ok("platform.process_mmap", c().put("va", 0x2_0000_0000L).put("length", 0x10000));
        err("platform.process_mmap", c().put("va", 0x2_0000_0001L).put("length", 0x10000), EINVAL);
        JsonObject map = ok("iommufd.ioas_map", c().put("flags", 2 | 4).put("ioas_id", ioas3)
            .put("user_va", 0x2_0000_0000L).put("length", 0x10000));
        // pages are pinned when a domain needs them (lazy pinning): the IOAS with the nest parent attached faults
        err("iommufd.ioas_map", c().put("flags", 2 | 4).put("ioas_id", n.ioas()).put("user_va", 0x3_0000_0000L)
            .put("length", 0x10000), EFAULT);
        ok("iommufd.ioas_unmap", c().put("ioas_id", ioas3).put("iova", map.getLong("iova")).put("length", 0x10000));
        err("iommufd.ioas_unmap", c().put("ioas_id", 9999).put("iova", 0).put("length", 0x1000), ENOENT);
        ok("iommufd.option", c().put("option_id", 1).put("op", 1).put("object_id", ioas3));
        err("iommufd.option", c().put("option_id", 77).put("op", 1), EOPNOTSUPP);
        ok("iommufd.hwpt_alloc", c().put("dev_id", n.dev()).put("pt_id", ioas3));
        err("iommufd.hwpt_alloc", c().put("dev_id", n.dev()).put("pt_id", 9999), EINVAL); // iommufd_hwpt_alloc: -EINVAL
        JsonObject info = ok("iommufd.get_hw_info", c().put("dev_id", n.dev()));
        assertThat(info.getJsonObject("data_arm_smmuv3").getJsonArray("idr")).hasSize(6);
        err("iommufd.get_hw_info", c().put("dev_id", 9999), ENOENT);
        ok("iommufd.hwpt_invalidate", c().put("hwpt_id", n.viommu()).put("data_type", 1)
            .put("entries", new JsonArray().add(NestedFlowTest.tlbiNhVa(5, DMA_VA))));
        err("iommufd.hwpt_invalidate", c().put("hwpt_id", 9999).put("data_type", 1).put("entries", new JsonArray()),
            ENOENT);
        JsonObject fq = ok("iommufd.fault_queue_alloc", c());
        assertThat(fq.getString("events_address")).startsWith("smmuref.events.local.fault.");
        err("iommufd.fault_queue_alloc", c().put("flags", 1), EOPNOTSUPP);
        err("iommufd.viommu_alloc", c().put("type", 1).put("dev_id", n.dev()).put("hwpt_id", 9999), ENOENT);
        int dev2 = ok("vfio.bind", c().put("stream_id", 9)).getInteger("dev_id");
        err("vfio.bind", c().put("stream_id", 9), EBUSY);
        ok("iommufd.vdevice_alloc", c().put("viommu_id", n.viommu()).put("dev_id", dev2).put("virt_id", 0x43));
        err("iommufd.vdevice_alloc", c().put("viommu_id", n.viommu()).put("dev_id", dev2).put("virt_id", 0x44),
            EEXIST);
        err("iommufd.veventq_alloc", c().put("viommu_id", n.viommu()).put("type", 1).put("veventq_depth", 4),
            EEXIST);
        int parent = ok("iommufd.hwpt_alloc", c().put("flags", 1).put("dev_id", n.dev()).put("pt_id", n.ioas()))
            .getInteger("out_hwpt_id");
        // the second vIOMMU on the first parent: under BTM one VM's VMID tags one stage-2 table
        err("iommufd.viommu_alloc", c().put("type", 1).put("dev_id", n.dev()).put("hwpt_id", parent), EBUSY);
        int viommu2 = ok("iommufd.viommu_alloc", c().put("type", 1).put("dev_id", n.dev()).put("hwpt_id", n.parent()))
            .getInteger("out_viommu_id");
        JsonObject q2 = ok("iommufd.veventq_alloc", c().put("viommu_id", viommu2).put("type", 1)
            .put("veventq_depth", 4));
        assertThat(q2.getString("events_address")).isNotEqualTo(n.events());
        // issue 14: VFIO_IOAS (iommufd_vfio_ioas), MAP_FILE (the server's process has no memfd, but the vEVENTQ's fd
        // is a file: fget succeeds and an IOAS without a domain maps it; pinning it would be EINVAL), CHANGE_PROCESS
        ok("iommufd.vfio_ioas", c().put("op", 1).put("ioas_id", n.ioas()));
        err("iommufd.vfio_ioas", c().put("op", 1).put("ioas_id", 9999), ENOENT);
        int ioas4 = ok("iommufd.ioas_alloc", c()).getInteger("out_ioas_id");
        ok("iommufd.ioas_map_file", c().put("flags", 2 | 4).put("ioas_id", ioas4).put("fd", n.veventqFd())
            .put("start", 0).put("length", 0x1000).put("iova", 0));
        err("iommufd.ioas_map_file", c().put("flags", 2 | 4).put("ioas_id", ioas4).put("fd", 9999)
            .put("start", 0).put("length", 0x1000).put("iova", 0), EBADF);
        String empty = ok("iommufd.open", new JsonObject()).getString("ctx");
        ok("iommufd.ioas_change_process", new JsonObject().put("ctx", empty));
        // the nested flow's guest RAM is an IOAS_MAP of user addresses, which cannot move to another process
        err("iommufd.ioas_change_process", c(), EINVAL);
        for (String op : UNIMPLEMENTED) {
            // the byte form: the generic checks pass on a zeroed struct of the right size, then the core refuses
            IommufdCommand cmd = IommufdCommand.valueOf(op.substring("iommufd.".length()).toUpperCase());
            byte[] struct = new byte[cmd.size()];
            struct[0] = (byte) cmd.size();
            DeliveryOptions d = new DeliveryOptions().addHeader(ApiHeaders.CLIENT, client.clientId())
                .addHeader(ApiHeaders.CONTEXT, ctx);
            ReplyException e = failure(bed.vertx.eventBus().request(ApiAddresses.address("local", "iommufd",
                op.substring("iommufd.".length())), Buffer.buffer(struct), d));
            assertThat(e.failureCode()).as(op).isEqualTo(UNIMPLEMENTED_ERRNO.get(op));
            failed.add(op);
        }

        // ---- vfio
        ok("vfio.attach", c().put("dev_id", dev2).put("pt_id", n.ioas()));
        err("vfio.attach", c().put("dev_id", dev2).put("pt_id", 9999), ENOENT);
        ok("vfio.replace", c().put("dev_id", dev2).put("pt_id", ioas3));
        ok("vfio.detach", c().put("dev_id", dev2));
        err("vfio.replace", c().put("dev_id", dev2).put("pt_id", ioas3), EINVAL);
        err("vfio.detach", c().put("dev_id", 9999), ENOENT);
        int dev3 = ok("vfio.bind", c().put("stream_id", 0xa)).getInteger("dev_id");
        ok("vfio.unbind", c().put("dev_id", dev3));
        err("vfio.unbind", c().put("dev_id", dev3), ENOENT);

        // ---- kvm
        String vm = ok("kvm.create_vm", new JsonObject()).getString("vm");
        err("kvm.create_vm", Buffer.buffer(new byte[4]), EINVAL);
        JsonObject vmBody = new JsonObject().put("vm", vm);
        int vcpu = ok("kvm.create_vcpu", vmBody.copy()).getInteger("vcpu");
        err("kvm.create_vcpu", new JsonObject().put("vm", "AAAAAAAAAAAAAAAAAAAAAA"), EBADF);
        ok("kvm.vcpu_load", vmBody.copy().put("vcpu", vcpu).put("cpu", 1));
        err("kvm.vcpu_load", vmBody.copy().put("vcpu", vcpu).put("cpu", 1), EBUSY);
        ok("kvm.vcpu_tlbi", vmBody.copy().put("vcpu", vcpu).put("op", "VMALLE1IS"));
        err("kvm.vcpu_tlbi", vmBody.copy().put("vcpu", vcpu).put("op", "VMALLS12E1IS"), EINVAL);
        ok("kvm.vm_tlbi", vmBody.copy().put("op", "IPAS2E1IS").put("address", GUEST_IPA));
        err("kvm.vm_tlbi", vmBody.copy().put("op", "NOPE"), EINVAL);
        JsonObject vmInfo = ok("kvm.vm_info", vmBody.copy());
        assertThat(vmInfo.getInteger("vmid")).isPositive();
        err("kvm.vm_info", new JsonObject(), EINVAL);
        ok("kvm.vcpu_put", vmBody.copy().put("vcpu", vcpu));
        err("kvm.vcpu_put", vmBody.copy().put("vcpu", vcpu), EINVAL);
        // The nested setup's context is already tied to its own VM: associate a fresh context.
        String fresh = ok("iommufd.open", new JsonObject()).getString("ctx");
        ok("kvm.associate", new JsonObject().put("ctx", fresh).put("vm", vm));
        String vm2 = ok("kvm.create_vm", new JsonObject()).getString("vm");
        err("kvm.associate", new JsonObject().put("ctx", fresh).put("vm", vm2), EBUSY);
        ok("kvm.destroy_vm", new JsonObject().put("vm", vm2));
        err("kvm.destroy_vm", new JsonObject().put("vm", vm2), EBADF);

        // ---- platform
        JsonObject d = ok("platform.describe", new JsonObject());
        assertThat(d.getString("name")).isEqualTo("local");
        err("platform.describe", "{not json", EINVAL);
        JsonObject stats = ok("platform.tlb_stats", new JsonObject());
        assertThat(stats.getJsonArray("tlbs")).hasSize(1);
        err("platform.tlb_stats", new JsonObject().put("iommu", 7), ENODEV);
        ok("platform.process_write", c().put("va", 0x2_0000_0000L).put("data", "aGVsbG8="));
        err("platform.process_write", c().put("va", 0x5_0000_0000L).put("data", "aGVsbG8="), EFAULT);
        assertThat(ok("platform.process_read", c().put("va", 0x2_0000_0000L).put("length", 5)).getString("data"))
            .isEqualTo("aGVsbG8=");
        err("platform.process_read", c().put("va", 0x5_0000_0000L).put("length", 5), EFAULT);
        ok("platform.process_munmap", c().put("va", 0x2_0000_0000L).put("length", 0x10000));
        err("platform.process_munmap", c().put("va", 0x2_0000_0010L).put("length", 0x10000), EINVAL);
        ok("platform.guest_ram_add", c().put("va", 0x4_0000_0000L).put("ipa", 0x1_0000_0000L).put("size", 0x10000));
        err("platform.guest_ram_add", c().put("va", 0x4_1000_0000L).put("ipa", GUEST_IPA).put("size", 0x1000),
            EEXIST);
        ok("platform.guest_write", c().put("ipa", GUEST_IPA + 0x30_0000).put("data", "AQID"));
        err("platform.guest_write", c().put("ipa", 0x10L).put("data", "AQID"), EFAULT);
        assertThat(ok("platform.guest_read", c().put("ipa", GUEST_IPA + 0x30_0000).put("length", 3))
            .getString("data")).isEqualTo("AQID");
        err("platform.guest_read", c().put("ipa", 0x10L).put("length", 3), EFAULT);
        int t2 = ok("platform.s1_table_create", c().put("pool_ipa", GUEST_IPA + 0x40_0000).put("pool_size", 0x10_0000))
            .getInteger("table");
        err("platform.s1_table_create", c().put("granule_shift", 13).put("pool_ipa", GUEST_IPA + 0x40_0000)
            .put("pool_size", 0x10_0000), EINVAL);
        ok("platform.s1_map", c().put("table", t2).put("iova", 0x4000_0000L).put("ipa", GUEST_IPA).put("size", 0x1000));
        err("platform.s1_map", c().put("table", 99).put("iova", 0).put("ipa", GUEST_IPA).put("size", 0x1000), ENOENT);
        ok("platform.s1_unmap", c().put("table", t2).put("iova", 0x4000_0000L).put("size", 0x1000));
        err("platform.s1_unmap", c().put("table", 99).put("iova", 0).put("size", 0x1000), ENOENT);
        ok("platform.cd_write", c().put("table", t2).put("cd_ipa", GUEST_IPA + 0x40).put("asid", 7));
        err("platform.cd_write", c().put("table", t2).put("cd_ipa", GUEST_IPA + 0x41).put("asid", 7), EINVAL);
        ok("platform.vste", new JsonObject().put("cd_ipa", GUEST_IPA));
        err("platform.vste", new JsonObject().put("cd_ipa", GUEST_IPA + 8), EINVAL);
        JsonObject dev = c().put("dev_id", n.dev());
        ok("platform.dma_write", dev.copy().put("address", DMA_VA).put("data", "AQID"));
        err("platform.dma_write", c().put("dev_id", 99).put("address", DMA_VA).put("data", "AQID"), ENOENT);
        ok("platform.dma_read", dev.copy().put("address", DMA_VA).put("length", 3));
        err("platform.dma_read", c().put("dev_id", 99).put("address", DMA_VA).put("length", 3), ENOENT);
        ok("platform.dma_translate", dev.copy().put("address", DMA_VA));
        err("platform.dma_translate", c().put("dev_id", 99).put("address", DMA_VA), ENOENT);
        ok("platform.dma_burst", c().put("transactions", new JsonArray()
            .add(new JsonObject().put("dev_id", n.dev()).put("address", DMA_VA).put("length", 4))));
        err("platform.dma_burst", c().put("transactions", new JsonArray()), EINVAL);
        ok("platform.ats_translate", dev.copy().put("address", DMA_VA));
        err("platform.ats_translate", c().put("dev_id", 99).put("address", DMA_VA), ENOENT);

        // ---- hw
        long idr0 = ok("hw.mmio_read", new JsonObject().put("offset", 0)).getLong("value");
        assertThat(idr0).as("IDR0").isNotZero();
        err("hw.mmio_read", new JsonObject().put("offset", 3), EINVAL);
        long irqCtrl = ok("hw.mmio_read", new JsonObject().put("offset", 0x50)).getLong("value");
        ok("hw.mmio_write", new JsonObject().put("offset", 0x50).put("value", irqCtrl));
        err("hw.mmio_write", new JsonObject().put("offset", 0x52).put("value", 0), EINVAL);
        ok("hw.phys_read", new JsonObject().put("pa", 0x4000_0000L).put("length", 16));
        err("hw.phys_read", new JsonObject().put("pa", 0).put("length", 16), EFAULT);
        ok("hw.host_events", new JsonObject());
        err("hw.host_events", new JsonObject().put("iommu", 5), ENODEV);

        Set<String> missing = new TreeSet<>();
        for (String op : bed.verticle.operations()) {
            if (!failed.contains(op) || !succeeded.contains(op) && !UNIMPLEMENTED.contains(op)) {
                missing.add(op + (failed.contains(op) ? " (no success)" : " (no errno)"));
            }
        }
        assertThat(missing).as("addresses without both answers").isEmpty();
        assertThat(bed.verticle.operations()).hasSizeGreaterThan(60);
        assertThat(bed.verticle.addresses()).as("one request address per operation")
            .hasSameSizeAs(bed.verticle.operations()).contains("smmuref.local.kvm.associate")
            .allSatisfy(addr -> assertThat(addr).startsWith("smmuref.local."));
    }

    @Test
    void mmio_writes_are_refused_unless_the_server_allows_them() {
        try (ApiBed plain = new ApiBed()) {
            SmmurefClient c = plain.client();
            ReplyException e = failure(c.mmioWrite32(0, 0x50, 0));
            assertThat(e.failureCode()).isEqualTo(EPERM);
        }
    }
}
