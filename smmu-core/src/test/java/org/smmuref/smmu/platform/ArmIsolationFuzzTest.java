package org.smmuref.smmu.platform;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Set;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;

/**
 * The ioctl-sequence fuzzer's second target: the ARM SMMUv3 driver on the hardware model, where a guest attacks.
 * An input drives {@link IsolationWorld} (two VMMs with their VMs, two IOASes each, four devices): devices bound and
 * attached with a chosen or a fuzzer-written vSTE (vSTE validation), guest commands through IOMMU_HWPT_INVALIDATE
 * with fuzzer-written fields (guest command conversion), vEVENTQs and their reads after faulting DMA (event
 * forwarding), guest stage-1 and host stage-2 changes, guest memory writes, vCPU runs, churn that forces VMID
 * rollovers, and device DMA. After every step the isolation oracle probes every device at every page, and every
 * read is checked; an event read by a VMM must carry a vSID of its own vDEVICEs.
 *
 * <p>Findings: any exception other than the documented errnos of the fuzzer-written vSTE (EIO, EINVAL, EOPNOTSUPP),
 * and any oracle failure. The normal test run replays {@code ArmIsolationFuzzTestInputs/}; {@code JAZZER_FUZZ=1}
 * fuzzes (docs/fuzzing.md).
 */
class ArmIsolationFuzzTest {
    static final int MAX_STEPS = 64;
    static final Set<Errno> RAW_VSTE_ERRNOS = Set.of(Errno.EIO, Errno.EINVAL, Errno.EOPNOTSUPP);

    /** The operations, in the order of their byte encoding (a new one goes at the end). */
    enum Op {
        ATTACH, DETACH, GUEST_MAP, GUEST_UNMAP, GUEST_WRITE, HOST_UNMAP, HOST_MAP, RUN, PUT, CHURN, DMA, GUEST_CMD,
        VEVENTQ, READ_EVENTS
    }

    /** Guest command opcodes the fuzzer picks from (the last entry keeps the fuzzer's own byte). */
    static final int[] GUEST_OPCODES = {0x10, 0x11, 0x12, 0x13, 0x03, 0x05, 0x06, 0x40, 0x46, -1};

    private static final Op[] OPS = Op.values();
    private static final IsolationWorld.Policy[] POLICIES = {IsolationWorld.Policy.SAFE,
        IsolationWorld.Policy.UPSTREAM, IsolationWorld.Policy.NO_BTM};
    private static final IsolationWorld.Kind[] KINDS = {IsolationWorld.Kind.S1, IsolationWorld.Kind.S1,
        IsolationWorld.Kind.BYPASS, IsolationWorld.Kind.ABORT, IsolationWorld.Kind.DIRECT, IsolationWorld.Kind.RAW};

    @FuzzTest(maxDuration = "10m")
    void guest_facing_arm_sequences_keep_every_device_inside_its_own_ioas(byte[] input) {
        run(input);
    }

    /** Replays one input; an oracle failure or an undocumented exception is an {@link AssertionError}. */
    static IsolationWorld run(byte[] input) {
        return run(input, null);
    }

    /** Replays one input under {@code policy} instead of the one its first byte picks (null: that one). */
    static IsolationWorld run(byte[] input, IsolationWorld.Policy policy) {
        Reader in = new Reader(input);
        IsolationWorld.Policy picked = POLICIES[in.u8() % POLICIES.length];
        IsolationWorld w = new IsolationWorld(policy == null ? picked : policy);
        w.check();
        for (int i = 0; i < MAX_STEPS && in.more(); i++) {
            Op op = OPS[in.u8() % OPS.length];
            w.step++;
            w.current = op;
            try {
                apply(w, op, in);
            } catch (IommufdException e) {
                throw new AssertionError("step " + w.step + " (" + op + "): unexpected " + e.getMessage(), e);
            }
            w.check();
        }
        return w;
    }

    private static void apply(IsolationWorld w, Op op, Reader in) {
        switch (op) {
            case ATTACH -> {
                int dev = in.u8() % IsolationWorld.SIDS.length;
                int vmm = in.u8() % IsolationWorld.VMMS;
                int ioas = in.u8() % IsolationWorld.IOASES;
                IsolationWorld.Kind kind = KINDS[in.u8() % KINDS.length];
                long ste0 = kind == IsolationWorld.Kind.RAW ? in.u64() : 0;
                long ste1 = kind == IsolationWorld.Kind.RAW ? in.u64() : 0;
                try {
                    w.attach(dev, vmm, ioas, kind, ste0, ste1);
                } catch (IommufdException e) {
                    if (kind != IsolationWorld.Kind.RAW || !RAW_VSTE_ERRNOS.contains(e.errno())) {
                        throw e;
                    }
                }
            }
            case DETACH -> w.detach(in.u8() % IsolationWorld.SIDS.length);
            case GUEST_MAP -> w.guestMap(in.u8() % IsolationWorld.VMMS, in.u8() % IsolationWorld.IOASES,
                in.u8() % IsolationWorld.VA_PAGES, in.u8() % IsolationWorld.DATA_PAGES);
            case GUEST_UNMAP -> w.guestUnmap(in.u8() % IsolationWorld.VMMS, in.u8() % IsolationWorld.IOASES,
                in.u8() % IsolationWorld.VA_PAGES);
            case GUEST_WRITE -> w.guestWrite(in.u8() % IsolationWorld.VMMS, in.u8() % IsolationWorld.IOASES,
                in.u8() % IsolationWorld.DATA_PAGES);
            case HOST_UNMAP -> w.hostUnmap(in.u8() % IsolationWorld.VMMS, in.u8() % IsolationWorld.IOASES,
                in.u8() % IsolationWorld.DATA_PAGES);
            case HOST_MAP -> w.hostMap(in.u8() % IsolationWorld.VMMS, in.u8() % IsolationWorld.IOASES,
                in.u8() % IsolationWorld.DATA_PAGES);
            case RUN -> w.run(in.u8() % IsolationWorld.VMMS, in.u8() % IsolationWorld.CPUS);
            case PUT -> w.put(in.u8() % IsolationWorld.CPUS);
            case CHURN -> w.churn(in.u8() % 64, 0);
            case DMA -> w.dma(in.u8() % IsolationWorld.SIDS.length, in.u8() % IsolationWorld.DATA_PAGES);
            case GUEST_CMD -> {
                int vmm = in.u8() % IsolationWorld.VMMS;
                int ioas = in.u8() % IsolationWorld.IOASES;
                int opcode = GUEST_OPCODES[in.u8() % GUEST_OPCODES.length];
                long q0 = in.u64();
                long q1 = in.u64();
                if (opcode >= 0) {
                    q0 = (q0 & ~0xFFL) | opcode;
                }
                w.guestCommand(vmm, ioas, new long[] {q0, q1});
            }
            case VEVENTQ -> w.allocVeventq(in.u8() % IsolationWorld.VMMS, in.u8() % IsolationWorld.IOASES);
            case READ_EVENTS -> w.readEvents(in.u8() % IsolationWorld.VMMS);
            default -> throw new AssertionError(op);
        }
    }

    /** Reads the input front to back; missing bytes are 0. */
    static final class Reader {
        private final byte[] in;
        private int pos;

        Reader(byte[] in) {
            this.in = in;
        }

        boolean more() {
            return pos < in.length;
        }

        int u8() {
            return pos < in.length ? in[pos++] & 0xff : 0;
        }

        long u64() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (long) u8() << (8 * i);
            }
            return v;
        }
    }
}
