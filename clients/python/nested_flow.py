#!/usr/bin/env python3
"""A whole iommufd nested flow against a running `./smmuref serve`, over the TCP bridge, with only the stdlib.

The VMM side: guest RAM mapped into an IOAS at IOVA = IPA, a nest-parent HWPT, a vIOMMU with a vDEVICE and a
vEVENTQ. The guest side: its stage-1 table and CD in guest RAM, the nested HWPT from its vSTE, DMA through both
stages, the guest's unmap and its TLBI_NH_VA (encoded here from the SMMUv3 command layout) through
IOMMU_HWPT_INVALIDATE, and the translation fault pushed to the vEVENTQ's address with the vSID.

Usage: nested_flow.py [--host H] [--port P] [--node N] [--token-file F] [--sid S]
Prints one line per step; exits 0 when every check held, 1 otherwise.
"""

import argparse
import base64
import sys

from smmuref_bridge import Bridge, RequestFailed

GUEST_VA = 0x1_0000_0000
GUEST_IPA = 0x8000_0000
GUEST_SIZE = 16 << 20
CD_IPA = GUEST_IPA
DATA_IPA = GUEST_IPA + 0x10_0000
TABLES_IPA = GUEST_IPA + 0x20_0000
DMA_VA = 0x1000_0000
VSID = 0x42
ASID = 5

# uAPI values, from include/uapi/linux/iommufd.h
IOAS_MAP_FIXED_IOVA, IOAS_MAP_WRITEABLE, IOAS_MAP_READABLE = 1, 2, 4
HWPT_ALLOC_NEST_PARENT = 1
VIOMMU_TYPE_ARM_SMMUV3 = 1
HWPT_DATA_ARM_SMMUV3 = 2
VEVENTQ_TYPE_ARM_SMMUV3 = 1
VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1
# SMMUv3 event F_TRANSLATION
F_TRANSLATION = 0x10


def tlbi_nh_va(asid, va, leaf=True):
    """CMD_TLBI_NH_VA: dword0 Opcode[7:0]=0x12, ASID[63:48]; dword1 Leaf[0], Addr[63:12]."""
    return [0x12 | (asid << 48), (va & ~0xFFF) | (1 if leaf else 0)]


class Checks:
    def __init__(self):
        self.failed = 0

    def check(self, what, ok, detail=""):
        print(("ok     " if ok else "FAILED ") + what + (f"  ({detail})" if detail and not ok else ""))
        if not ok:
            self.failed += 1
        return ok


def run(bridge, sid):
    c = Checks()
    d = bridge.request("platform.describe")
    c.check(f"platform '{d['name']}' has StreamID {sid:#x}",
            any(dev["stream_id"] == sid for i in d["iommus"] for dev in i["devices"]))

    # The guest's KVM VM: on a BTM SMMU a vIOMMU uses the VM's pinned VMID, so the context must be tied to it.
    vm = bridge.request("kvm.create_vm")["vm"]
    ctx = bridge.request("iommufd.open", {"abi": "upstream"})["ctx"]
    bridge.request("kvm.associate", {"ctx": ctx, "vm": vm})
    io = lambda op, **members: bridge.request("iommufd." + op, dict(members, ctx=ctx))
    pf = lambda op, **members: bridge.request("platform." + op, dict(members, ctx=ctx))

    pf("guest_ram_add", va=GUEST_VA, ipa=GUEST_IPA, size=GUEST_SIZE)
    ioas = io("ioas_alloc")["out_ioas_id"]
    io("ioas_map", flags=IOAS_MAP_FIXED_IOVA | IOAS_MAP_READABLE | IOAS_MAP_WRITEABLE, ioas_id=ioas,
       user_va=GUEST_VA, length=GUEST_SIZE, iova=GUEST_IPA)
    c.check("IOAS with guest RAM at IOVA = IPA", True)

    table = pf("s1_table_create", pool_ipa=TABLES_IPA, pool_size=1 << 20)["table"]
    pf("s1_map", table=table, iova=DMA_VA, ipa=DATA_IPA, size=0x2000, prot="rwun")
    cd = pf("cd_write", table=table, cd_ipa=CD_IPA, asid=ASID)["cd"]
    c.check("guest CD is valid (CD.V, bit 31)", (cd[0] >> 31) & 1 == 1)

    dev = bridge.request("vfio.bind", {"ctx": ctx, "iommu": 0, "stream_id": sid})["dev_id"]
    parent = io("hwpt_alloc", flags=HWPT_ALLOC_NEST_PARENT, dev_id=dev, pt_id=ioas)["out_hwpt_id"]
    viommu = io("viommu_alloc", type=VIOMMU_TYPE_ARM_SMMUV3, dev_id=dev, hwpt_id=parent)["out_viommu_id"]
    io("vdevice_alloc", viommu_id=viommu, dev_id=dev, virt_id=VSID)
    q = io("veventq_alloc", viommu_id=viommu, type=VEVENTQ_TYPE_ARM_SMMUV3, veventq_depth=8)
    events = q["events_address"]
    c.check("vEVENTQ has an event address", events.startswith(f"smmuref.events.{bridge.node}."), events)
    bridge.subscribe(events)

    ste = bridge.request("platform.vste", {"cd_ipa": CD_IPA})["ste"]
    nested = io("hwpt_alloc", dev_id=dev, pt_id=viommu, data_type=HWPT_DATA_ARM_SMMUV3,
                data={"ste": ste})["out_hwpt_id"]
    att = bridge.request("vfio.attach", {"ctx": ctx, "dev_id": dev, "pt_id": nested})
    c.check("device attached to the nested HWPT", att["pt_id"] == nested)

    payload = b"nested DMA"
    w = pf("dma_write", dev_id=dev, address=DMA_VA + 0x10, data=base64.b64encode(payload).decode())
    c.check("DMA write through both stages completes", w["outcome"] == "completed", w)
    got = base64.b64decode(pf("guest_read", ipa=DATA_IPA + 0x10, length=len(payload))["data"])
    c.check("the bytes landed at the guest's IPA", got == payload, got)

    c.check("guest unmaps one page", pf("s1_unmap", table=table, iova=DMA_VA, size=0x1000)["unmapped"] == 0x1000)
    inv = io("hwpt_invalidate", hwpt_id=viommu, data_type=VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
             entries=[tlbi_nh_va(ASID, DMA_VA)])
    c.check("TLBI_NH_VA consumed through the vIOMMU", inv["entry_num"] == 1, inv)

    r = pf("dma_read", dev_id=dev, address=DMA_VA + 0x20, length=4)
    c.check("DMA to the unmapped, invalidated page aborts", r["outcome"] == "aborted" and r["transferred"] == 0, r)
    e = bridge.next_event(events, timeout=10)
    c.check("the fault arrives on the vEVENTQ", e is not None)
    if e is not None:
        c.check("with F_TRANSLATION, the vSID and the input address",
                e["event_id"] == F_TRANSLATION and e["vsid"] == VSID and e["evt"][2] == DMA_VA + 0x20
                and e["sequence"] == 0 and not e["lost_events"], e)

    ok = pf("dma_read", dev_id=dev, address=DMA_VA + 0x1000, length=4)
    c.check("the other page still reads", ok["outcome"] == "completed", ok)

    try:
        io("destroy", id=ioas)
        c.check("destroying the IOAS in use fails", False, "it succeeded")
    except RequestFailed as f:
        c.check("destroying the IOAS in use is EBUSY", f.name == "EBUSY" and f.errno == 16, f.message)

    bridge.request("iommufd.close", {"ctx": ctx})
    try:
        io("ioas_alloc")
        c.check("a closed context is gone", False, "it still answered")
    except RequestFailed as f:
        c.check("a closed context is EBADF", f.name == "EBADF", f.message)
    return c.failed


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7000)
    p.add_argument("--node", default="local")
    p.add_argument("--token-file")
    p.add_argument("--sid", type=lambda s: int(s, 0), default=0x8)
    a = p.parse_args(argv)
    token = open(a.token_file, encoding="utf-8").read().strip() if a.token_file else None
    with Bridge(a.host, a.port, node=a.node, token=token) as bridge:
        failed = run(bridge, a.sid)
    print(f"{'all checks held' if failed == 0 else f'{failed} check(s) FAILED'}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
