package org.smmuref.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.server.api.ApiBed.await;
import static org.smmuref.server.api.ApiBed.failure;
import static org.smmuref.server.api.NestedFlowTest.DMA_VA;
import static org.smmuref.server.api.NestedFlowTest.GUEST_VA;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.smmuref.client.SmmurefClient;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.iommufd.uapi.IommuIoasAlloc;
import org.smmuref.iommufd.uapi.IommufdCommand;
import org.smmuref.kvm.Kvm;
import org.smmuref.smmu.platform.SmmuPlatform;

/**
 * Client isolation: another client's context, event fd or VM is EBADF (its existence is not even confirmed); each
 * context is its own process, so memory does not leak either; events reach only the owner's address; a client's
 * departure closes its contexts and VMs and frees its devices.
 */
class IsolationTest {
    private final ApiBed bed = new ApiBed();

    @AfterEach
    void close() {
        bed.close();
    }

    private static void ebadf(io.vertx.core.Future<?> f) {
        assertThat(failure(f).failureCode()).isEqualTo(9);
    }

    @Test
    void another_clients_context_and_vm_are_ebadf_in_every_group() {
        SmmurefClient a = bed.client();
        SmmurefClient b = bed.client();
        NestedFlowTest.Nested n = NestedFlowTest.setUp(a, NestedFlowTest.SID, 8);
        String vm = await(a.createVm());
        ebadf(b.ioctlJson(n.ctx(), IommufdCommand.IOAS_ALLOC, new JsonObject()));
        ebadf(b.ioasAlloc(n.ctx(), new IommuIoasAlloc(IommuIoasAlloc.SIZE, 0, 0)));
        ebadf(b.bind(n.ctx(), 0, 9));
        ebadf(b.readProcess(n.ctx(), GUEST_VA, 8));
        ebadf(b.dmaRead(n.ctx(), n.dev(), DMA_VA, 4));
        ebadf(b.read(n.ctx(), n.veventqFd(), 64));
        ebadf(b.close(n.ctx()));
        ebadf(b.vmInfo(vm));
        ebadf(b.createVcpu(vm));
        ebadf(b.destroyVm(vm));
        String bctx = await(b.open());
        ebadf(b.associate(bctx, vm));
        ebadf(a.associate(n.ctx(), await(b.createVm())));
        // event fd numbers are global in the service: B's context cannot read or close A's queue by its number
        ebadf(b.read(bctx, n.veventqFd(), 64));
        ebadf(b.closeFd(bctx, n.veventqFd()));
        // each context is its own process: A's guest RAM is not mapped in B's
        assertThat(failure(b.readProcess(bctx, GUEST_VA, 8)).failureCode()).isEqualTo(14);
        // and A is unaffected
        assertThat(await(a.dmaRead(n.ctx(), n.dev(), DMA_VA, 4)).getString("outcome")).isEqualTo("completed");
        assertThat(await(a.vmInfo(vm)).getBoolean("destroyed")).isFalse();
    }

    @Test
    void events_reach_only_the_owners_address() throws Exception {
        SmmurefClient a = bed.client();
        SmmurefClient b = bed.client();
        NestedFlowTest.Nested na = NestedFlowTest.setUp(a, 0x8, 8);
        NestedFlowTest.Nested nb = NestedFlowTest.setUp(b, 0x9, 8);
        assertThat(na.events()).isNotEqualTo(nb.events());
        LinkedBlockingQueue<JsonObject> toA = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<JsonObject> toB = new LinkedBlockingQueue<>();
        await(a.subscribe(na.events(), toA::add));
        await(b.subscribe(nb.events(), toB::add));
        // A's device faults (an IOVA its stage 1 never mapped)
        assertThat(await(a.dmaRead(na.ctx(), na.dev(), 0x7000_0000L, 4)).getString("outcome")).isEqualTo("aborted");
        JsonObject e = toA.poll(10, TimeUnit.SECONDS);
        assertThat(e).isNotNull();
        assertThat(e.getLong("vsid")).isEqualTo(NestedFlowTest.VSID);
        // B's device faults next; each record reached its owner only
        assertThat(await(b.dmaRead(nb.ctx(), nb.dev(), 0x7100_0000L, 4)).getString("outcome")).isEqualTo("aborted");
        JsonObject f = toB.poll(10, TimeUnit.SECONDS);
        assertThat(f).isNotNull();
        assertThat(f.getJsonArray("evt").getLong(2)).isEqualTo(0x7100_0000L);
        assertThat(toA).isEmpty();
        assertThat(toB).isEmpty();
    }

    @Test
    void host_kept_smmu_events_go_to_the_context_that_holds_the_device() throws Exception {
        SmmurefClient a = bed.client();
        SmmurefClient b = bed.client();
        JsonObject ao = await(a.openContext(org.smmuref.iommufd.IommufdAbi.UPSTREAM));
        JsonObject bo = await(b.openContext(org.smmuref.iommufd.IommufdAbi.UPSTREAM));
        String actx = ao.getString("ctx");
        String bctx = bo.getString("ctx");
        assertThat(ao.getString("host_events_address")).startsWith("smmuref.events.local.smmu.")
            .isNotEqualTo(bo.getString("host_events_address"));
        LinkedBlockingQueue<JsonObject> toA = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<JsonObject> toB = new LinkedBlockingQueue<>();
        await(a.subscribe(ao.getString("host_events_address"), toA::add));
        await(b.subscribe(bo.getString("host_events_address"), toB::add));
        // A's device on an empty IOAS (a plain stage-2 domain): its fault is the host's, not a guest's
        int ioas = await(a.ioctlJson(actx, IommufdCommand.IOAS_ALLOC, new JsonObject())).getInteger("out_ioas_id");
        int dev = await(a.bind(actx, 0, 0x8));
        await(a.attach(actx, dev, ioas));
        await(b.bind(bctx, 0, 0x9));
        assertThat(await(a.dmaRead(actx, dev, 0x1000, 4)).getString("outcome")).isEqualTo("aborted");
        JsonObject e = toA.poll(10, TimeUnit.SECONDS);
        assertThat(e).as("the host-kept record reaches A").isNotNull();
        assertThat(e.getLong("stream_id")).isEqualTo(0x8);
        assertThat(e.getString("reason")).contains("not attached to a nested domain");
        assertThat(toB.poll(200, TimeUnit.MILLISECONDS)).as("B holds another device").isNull();
        assertThat(await(a.hostEvents(0, 0)).getInteger("total")).isPositive();
    }

    @Test
    void client_gone_closes_its_contexts_and_vms_and_frees_its_devices() {
        SmmurefClient a = bed.client();
        SmmurefClient b = bed.client();
        String vm = await(a.createVm());
        NestedFlowTest.Nested n = NestedFlowTest.setUp(a, NestedFlowTest.SID, 8, vm);
        String bctx = await(b.open());
        assertThat(failure(b.bind(bctx, 0, NestedFlowTest.SID)).failureCode()).as("bound by A").isEqualTo(16);
        Kvm kvm = bed.injector.getInstance(SmmuPlatform.class).kvm().orElseThrow();
        long live = kvm.vms().stream().filter(v -> !v.isDestroyed()).count();

        JsonObject gone = await(bed.vertx.eventBus().<JsonObject>request(ApiAddresses.clientGone("local"),
            a.clientId())).body();
        assertThat(gone.getInteger("contexts")).isEqualTo(1);
        assertThat(gone.getInteger("vms")).isEqualTo(1);
        ebadf(a.ioctlJson(n.ctx(), IommufdCommand.IOAS_ALLOC, new JsonObject()));
        ebadf(a.vmInfo(vm));
        assertThat(kvm.vms().stream().filter(v -> !v.isDestroyed()).count()).isEqualTo(live - 1);
        // the device is free for B now, and B's context was not touched
        assertThat(await(b.bind(bctx, 0, NestedFlowTest.SID))).isPositive();
        assertThat(((IommufdCore) bed.iommufd).openFds()).as("only B's context is open").hasSize(1);
    }
}
