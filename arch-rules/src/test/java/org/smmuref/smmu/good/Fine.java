package org.smmuref.smmu.good;

/** Good fixture: smmu-core using public kvm and iommufd types through a constructor. */
public class Fine {
    private final org.smmuref.kvm.PublicThing kvm;
    private final org.smmuref.iommufd.uapi.fixture.Value value;

    @jakarta.inject.Inject
    public Fine(org.smmuref.kvm.PublicThing kvm, org.smmuref.iommufd.uapi.fixture.Value value) {
        this.kvm = kvm;
        this.value = value;
    }

    public String describe() {
        return kvm + " " + value;
    }
}
