package org.smmuref.iommufd.core;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.spi.IommufdPlatform;
import org.smmuref.iommufd.spi.UserMemory;

/** A fixed set of IOMMU instances and one process memory: the platform of tests and of a machine without IOMMUs. */
public final class SimplePlatform implements IommufdPlatform {
    private final Map<Integer, IommuInstance> instances;
    private final UserMemory memory;

    /** The given instances (distinct ids) over {@code memory}. */
    public SimplePlatform(List<? extends IommuInstance> instances, UserMemory memory) {
        this.instances = instances.stream().collect(Collectors.toUnmodifiableMap(IommuInstance::id,
            Function.identity()));
        this.memory = Objects.requireNonNull(memory);
    }

    /** No IOMMU at all, over a fresh simulated address space. */
    public static SimplePlatform empty() {
        return new SimplePlatform(List.of(), new SimulatedUserMemory());
    }

    @Override
    public Optional<IommuInstance> iommu(int id) {
        return Optional.ofNullable(instances.get(id));
    }

    @Override
    public UserMemory processMemory() {
        return memory;
    }
}
