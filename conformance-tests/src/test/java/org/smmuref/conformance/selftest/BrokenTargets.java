package org.smmuref.conformance.selftest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.smmuref.conformance.Capabilities;
import org.smmuref.conformance.ConformanceTarget;
import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.uapi.IommuHwptAlloc;
import org.smmuref.iommufd.uapi.IommuHwptInvalidate;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.iommufd.uapi.UserBuffer;

/**
 * Deliberately broken targets: each wraps a fresh reference and breaks exactly one rule, so the self-test can show
 * the suite catches it with the requirement that names the rule (and with no other).
 */
final class BrokenTargets {
    private BrokenTargets() {
    }

    /** A reference target whose iommufd is replaced by {@code wrap(reference iommufd, platform)}. */
    static ConformanceTarget wrapping(String name, java.util.function.BiFunction<Iommufd, ModelPlatform, Iommufd> wrap) {
        ConformanceTarget ref = Reference.create();
        Iommufd broken = wrap.apply(ref.iommufd(), ref.platform());
        return new ConformanceTarget() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Iommufd iommufd() {
                return broken;
            }

            @Override
            public ModelPlatform platform() {
                return ref.platform();
            }

            @Override
            public Capabilities capabilities() {
                return ref.capabilities();
            }
        };
    }

    /** Drops the TLBI commands of a vIOMMU invalidation (so no TLBI precedes the kernel's CMD_SYNC). */
    static ConformanceTarget skipsTlbiBeforeSync() {
        return wrapping("skips-tlbi", (fd, platform) -> new ForwardingIommufd(fd) {
            @Override
            public IommuHwptInvalidate hwptInvalidate(int ctx, IommuHwptInvalidate cmd) {
                if (cmd.dataType() != IommufdConstants.IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 || cmd.entryNum() == 0) {
                    return delegate.hwptInvalidate(ctx, cmd);
                }
                byte[] all = platform.readProcess(ctx, cmd.dataUptr(), cmd.entryNum() * 16);
                List<Integer> kept = new ArrayList<>();
                ByteBuffer keptBytes = ByteBuffer.allocate(all.length);
                for (int i = 0; i < cmd.entryNum(); i++) {
                    int opcode = all[16 * i] & 0xff;
                    if (opcode < 0x10 || opcode > 0x13) {
                        kept.add(i);
                        keptBytes.put(all, 16 * i, 16);
                    }
                }
                if (kept.isEmpty()) {
                    return cmd;
                }
                platform.writeProcess(ctx, cmd.dataUptr(), Arrays.copyOf(keptBytes.array(), kept.size() * 16));
                try {
                    delegate.hwptInvalidate(ctx, new IommuHwptInvalidate(cmd.size(), cmd.hwptId(), cmd.dataUptr(),
                        cmd.dataType(), cmd.entryLen(), kept.size(), cmd.reserved()));
                    return cmd;
                } catch (IommufdException e) {
                    // report progress in the caller's numbering, so only the missing TLBIs differ
                    int k = e.reply(IommuHwptInvalidate.class).map(IommuHwptInvalidate::entryNum).orElse(0);
                    int done = k < kept.size() ? kept.get(k) : cmd.entryNum();
                    throw e.withReply(new IommuHwptInvalidate(cmd.size(), cmd.hwptId(), cmd.dataUptr(),
                        cmd.dataType(), cmd.entryLen(), done, cmd.reserved()));
                }
            }
        });
    }

    /** vEVENT records that carry the physical StreamID instead of the vSID. */
    static ConformanceTarget forgetsVsidInEvents() {
        return wrapping("psid-events", (fd, platform) -> new ForwardingIommufd(fd) {
            @Override
            public byte[] read(int efd, int count) {
                byte[] raw = delegate.read(efd, count);
                long psid = platform.describe().iommus().get(0).devices().get(0).streamId();
                ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
                for (int off = 0; off + 8 <= raw.length; ) {
                    boolean lost = (b.getInt(off) & 1) != 0;
                    if (!lost) {
                        b.putInt(off + 8 + 4, (int) psid);
                    }
                    off += lost ? 8 : 40;
                }
                return raw;
            }
        });
    }

    /** Drops the LOST_EVENTS header: events lost to an overflow vanish silently. */
    static ConformanceTarget dropsLostEvents() {
        return wrapping("no-lost-events", (fd, platform) -> new ForwardingIommufd(fd) {
            @Override
            public byte[] read(int efd, int count) {
                byte[] raw = delegate.read(efd, count);
                ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer out = ByteBuffer.allocate(raw.length);
                for (int off = 0; off + 8 <= raw.length; ) {
                    boolean lost = (b.getInt(off) & 1) != 0;
                    if (!lost) {
                        out.put(raw, off, 40);
                    }
                    off += lost ? 8 : 40;
                }
                return Arrays.copyOf(out.array(), out.position());
            }
        });
    }

    /** IOMMU_IOAS_ALLOC at the byte level writes out_ioas_id at offset 4 (over flags) instead of 8. */
    static ConformanceTarget misencodesOutIoasId() {
        return wrapping("bad-ioas-alloc", (fd, platform) -> new ForwardingIommufd(fd) {
            @Override
            public void ioctl(int ctx, int request, UserBuffer arg) {
                delegate.ioctl(ctx, request, arg);
                if (request == 0x3b81) {
                    byte[] id = arg.read(8, 4);
                    arg.write(4, id);
                    arg.write(8, new byte[4]);
                }
            }
        });
    }

    /** Accepts a vSTE with MEV (word 1 bit 19) set, which arm_smmu_validate_vste refuses: it clears it silently. */
    static ConformanceTarget acceptsVsteMev() {
        return wrapping("accepts-mev", (fd, platform) -> new ForwardingIommufd(fd) {
            @Override
            public IommuHwptAlloc hwptAlloc(int ctx, IommuHwptAlloc cmd) {
                if (cmd.dataType() == IommufdConstants.IOMMU_HWPT_DATA_ARM_SMMUV3 && cmd.dataLen() == 16) {
                    byte[] ste = platform.readProcess(ctx, cmd.dataUptr(), 16);
                    ste[8 + 2] &= (byte) ~0x08;
                    platform.writeProcess(ctx, cmd.dataUptr(), ste);
                }
                return delegate.hwptAlloc(ctx, cmd);
            }
        });
    }

}
