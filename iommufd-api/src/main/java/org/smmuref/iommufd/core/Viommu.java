package org.smmuref.iommufd.core;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.IommuDevice;
import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.spi.KvmReference;
import org.smmuref.iommufd.spi.ViommuDriver;
import org.smmuref.iommufd.spi.ViommuHost;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.KernelProfile;

/**
 * A vIOMMU: a VM's slice of one physical IOMMU on a nest-parent HWPT (which it holds a user on). It is also the
 * {@link ViommuHost} its driver talks back to; those calls take the core's lock.
 */
final class Viommu extends IommufdObject implements ViommuHost {
    final int viommuType;
    final HwptPaging parent;
    final IommuInstance instance;
    final Optional<KvmReference> kvm;
    private final Object lock;
    private final KernelProfile profile;
    ViommuDriver driver;
    /** vDEVICEs by virt_id. */
    final Map<Long, Vdevice> vdevs = new HashMap<>();
    /** vEVENTQs by type: at most one of each. */
    final Map<Integer, Veventq> veventqs = new HashMap<>();

    Viommu(int viommuType, HwptPaging parent, IommuInstance instance, Optional<KvmReference> kvm, Object lock,
           KernelProfile profile) {
        super(ObjectType.VIOMMU);
        this.profile = profile;
        this.viommuType = viommuType;
        this.parent = parent;
        this.instance = instance;
        this.kvm = kvm;
        this.lock = lock;
        parent.addUser();
    }

    @Override
    void release() {
        if (driver != null) {
            driver.destroy();
            driver = null;
        }
        parent.dropUser();
    }

    @Override
    public KernelProfile profile() {
        return profile;
    }

    @Override
    public int type() {
        return viommuType;
    }

    @Override
    public IommuInstance instance() {
        return instance;
    }

    @Override
    public OptionalLong virtIdOf(IommuDevice device) {
        synchronized (lock) {
            for (Vdevice v : vdevs.values()) {
                if (v.device.device == device) {
                    return OptionalLong.of(v.virtId);
                }
            }
            return OptionalLong.empty();
        }
    }

    @Override
    public Optional<IommuDevice> deviceOf(long virtId) {
        synchronized (lock) {
            Vdevice v = vdevs.get(virtId);
            return v == null ? Optional.empty() : Optional.of(v.device.device);
        }
    }

    @Override
    public void reportEvent(int veventqType, byte[] data) {
        synchronized (lock) {
            Veventq queue = veventqs.get(veventqType);
            if (queue == null) {
                throw new IommufdException(Errno.EOPNOTSUPP, "vIOMMU " + id + " has no vEVENTQ of type "
                    + Integer.toUnsignedString(veventqType));
            }
            queue.report(data);
        }
    }

    @Override
    public Optional<KvmReference> kvm() {
        return kvm;
    }
}
