package org.smmuref.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.server.api.ApiBed.await;
import static org.smmuref.server.api.ApiBed.failure;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.smmuref.client.SmmurefClient;
import org.smmuref.iommufd.uapi.IommuIoasAlloc;
import org.smmuref.iommufd.uapi.IommufdCommand;

class ApiSmokeTest {
    private final ApiBed bed = new ApiBed();

    @AfterEach
    void close() {
        bed.close();
    }

    @Test
    void open_ioas_alloc_in_both_forms_and_close() {
        SmmurefClient client = bed.client();
        String ctx = await(client.open());
        assertThat(ctx).hasSizeGreaterThanOrEqualTo(22);
        JsonObject json = await(client.ioctlJson(ctx, IommufdCommand.IOAS_ALLOC, new JsonObject()));
        assertThat(json.getLong("out_ioas_id")).isPositive();
        assertThat(json.getLong("size")).isEqualTo(IommuIoasAlloc.SIZE);
        IommuIoasAlloc typed = await(client.ioasAlloc(ctx, new IommuIoasAlloc(IommuIoasAlloc.SIZE, 0, 0)));
        assertThat(typed.outIoasId()).isEqualTo(json.getLong("out_ioas_id").intValue() + 1);
        await(client.close(ctx));
        ReplyException e = failure(client.ioctlJson(ctx, IommufdCommand.IOAS_ALLOC, new JsonObject()));
        assertThat(e.failureCode()).isEqualTo(9);
        assertThat(e.getMessage()).startsWith("EBADF: ");
    }
}
