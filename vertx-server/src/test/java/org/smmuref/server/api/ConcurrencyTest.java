package org.smmuref.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.server.api.ApiBed.await;
import static org.smmuref.server.api.NestedFlowTest.DATA_IPA;
import static org.smmuref.server.api.NestedFlowTest.DMA_VA;

import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.smmuref.client.SmmurefClient;
import org.smmuref.iommufd.uapi.IommufdCommand;

/**
 * Concurrent clients see linearizable results (bounded in count): clients racing to bind the same devices win each
 * device exactly once; one client's requests on one context, sent without waiting, take effect in the order sent;
 * DMA of several clients runs concurrently with their ioctls and each sees exactly its own data, and after a
 * completed invalidation never a removed translation.
 */
class ConcurrencyTest {
    private static final int CLIENTS = 8;
    private static final int ROUNDS = 3;
    private final ApiBed bed = new ApiBed();

    @AfterEach
    void close() {
        bed.close();
    }

    @Test
    void clients_racing_for_shared_devices_win_each_exactly_once() {
        int[] sids = {0x8, 0x9, 0xa, 0xb};
        for (int round = 0; round < ROUNDS; round++) {
            List<SmmurefClient> clients = new ArrayList<>();
            List<String> ctxs = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                SmmurefClient c = bed.client();
                clients.add(c);
                ctxs.add(await(c.open()));
            }
            // every client tries every device at once
            Map<Integer, List<Future<Integer>>> tries = new HashMap<>();
            for (int sid : sids) {
                for (int i = 0; i < CLIENTS; i++) {
                    tries.computeIfAbsent(sid, k -> new ArrayList<>()).add(clients.get(i).bind(ctxs.get(i), 0, sid));
                }
            }
            for (int sid : sids) {
                int won = 0;
                for (Future<Integer> f : tries.get(sid)) {
                    try {
                        await(f);
                        won++;
                    } catch (ReplyException e) {
                        assertThat(e.failureCode()).as(e.getMessage()).isEqualTo(16);
                    }
                }
                assertThat(won).as("winners of SID 0x%x in round %d", sid, round).isEqualTo(1);
            }
            // all clients leave at once (more than the API has workers): every context closes, no lane starves
            List<Future<JsonObject>> gone = new ArrayList<>();
            for (SmmurefClient c : clients) {
                gone.add(c.goodbye());
            }
            for (Future<JsonObject> g : gone) {
                assertThat(await(g).getInteger("contexts")).isEqualTo(1);
            }
        }
    }

    @Test
    void one_contexts_requests_take_effect_in_the_order_they_were_sent() {
        SmmurefClient c = bed.client();
        String ctx = await(c.open());
        await(c.mmap(ctx, 0x1000_0000L, 0x1000));
        List<Future<?>> sent = new ArrayList<>();
        List<Future<JsonObject>> allocs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            sent.add(c.writeProcess(ctx, 0x1000_0000L, new byte[] {(byte) i}));
            Future<JsonObject> a = c.ioctlJson(ctx, IommufdCommand.IOAS_ALLOC, new JsonObject());
            allocs.add(a);
            sent.add(a);
        }
        Future<byte[]> last = c.readProcess(ctx, 0x1000_0000L, 1);
        sent.forEach(ApiBed::await);
        assertThat(await(last)).containsExactly(99);
        // ids are handed out in send order: the service saw the requests one after the other, as sent
        long prev = -1;
        TreeSet<Long> ids = new TreeSet<>();
        for (Future<JsonObject> a : allocs) {
            long id = await(a).getLong("out_ioas_id");
            assertThat(id).isGreaterThan(prev);
            prev = id;
            ids.add(id);
        }
        assertThat(ids).hasSize(100);
    }

    @Test
    void concurrent_dma_of_several_clients_sees_only_its_own_data_and_no_removed_translation() {
        int n = 4;
        List<SmmurefClient> clients = new ArrayList<>();
        List<NestedFlowTest.Nested> setups = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SmmurefClient c = bed.client();
            clients.add(c);
            setups.add(NestedFlowTest.setUp(c, 0x8 + i, 64));
        }
        List<Future<?>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SmmurefClient c = clients.get(i);
            NestedFlowTest.Nested s = setups.get(i);
            Future<?> chain = Future.succeededFuture();
            for (int k = 0; k < 25; k++) {
                byte[] value = {(byte) i, (byte) k, 0x5a};
                chain = chain.compose(v -> c.dmaWrite(s.ctx(), s.dev(), DMA_VA + 0x100, value))
                    .compose(w -> {
                        assertThat(w.getString("outcome")).isEqualTo("completed");
                        return c.dmaRead(s.ctx(), s.dev(), DMA_VA + 0x100, 3);
                    })
                    .map(r -> {
                        assertThat(Base64.getDecoder().decode(r.getString("data"))).containsExactly(value);
                        return r;
                    })
                    .compose(r -> c.readGuest(s.ctx(), DATA_IPA + 0x100, 3))
                    .map(g -> {
                        assertThat(g).containsExactly(value);
                        return g;
                    });
            }
            all.add(chain);
        }
        all.forEach(ApiBed::await);
        // each client unmaps and invalidates; once HWPT_INVALIDATE has answered, the DMA must fault
        for (int i = 0; i < n; i++) {
            SmmurefClient c = clients.get(i);
            NestedFlowTest.Nested s = setups.get(i);
            await(c.unmapStage1(s.ctx(), s.table(), DMA_VA, 0x1000));
            await(c.ioctlJson(s.ctx(), IommufdCommand.HWPT_INVALIDATE, new JsonObject().put("hwpt_id", s.viommu())
                .put("data_type", 1).put("entries", new JsonArray().add(NestedFlowTest.tlbiNhVa(5, DMA_VA)))));
            assertThat(await(c.dmaRead(s.ctx(), s.dev(), DMA_VA + 0x100, 3)).getString("outcome"))
                .isEqualTo("aborted");
        }
    }
}
