'use strict';
// The smmuref inspector: renders what GET api/state and the api/stream server-sent events say. Read-only: the
// page only ever issues GETs (the server answers nothing else under /inspector/).
(function () {
  const MAX_EVENTS = 500;            // bounded memory: older events are dropped
  const events = [];
  let received = 0;
  let vmidOfStream = new Map();      // "smmu:sid" -> S2VMID of its live STE, for the VMID filter

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) e.append(c instanceof Node ? c : String(c));
    return e;
  }
  function table(rows, head, attrs) {
    const t = el('table', attrs || {});
    if (head) t.append(el('tr', {}, ...head.map(h => el('th', {}, h))));
    for (const r of rows) t.append(el('tr', {}, ...r.map(c => el('td', {}, c))));
    return t;
  }
  function kv(obj, attrs) {
    return table(Object.entries(obj).map(([k, v]) =>
      [k, typeof v === 'object' ? JSON.stringify(v) : v]), ['field', 'value'], attrs);
  }

  function renderPlatform(s) {
    const body = document.getElementById('platform-body');
    const parts = [el('p', {}, `platform ${s.name}: ${s.cpus} CPUs, KVM VMID bits ${s.kvm_vmid_bits}, ` +
      `VMID policy ${s.vmid_policy}, RAM ${s.ram.map(r => r.base + '+' + r.size).join(', ')}`)];
    for (const m of s.smmus) {
      const r = m.registers;
      const div = el('div', {class: 'smmu', 'data-smmu': m.id}, el('h3', {}, `SMMU ${m.id} (${m.driver})`));
      const grid = el('div', {class: 'grid'});
      const features = kv(m.features, {class: 'features'});
      const regs = kv({
        CR0: r.CR0, CR0ACK: r.CR0ACK, CR1: r.CR1, CR2: r.CR2, GERROR: r.GERROR,
        STRTAB_BASE: r.STRTAB_BASE, STRTAB_BASE_CFG: r.STRTAB_BASE_CFG}, {class: 'registers'});
      const queues = table(['CMDQ', 'EVENTQ'].map(q => [q, r[q].log2size, r[q].prod, r[q].prod_wrap, r[q].cons,
        r[q].cons_wrap, q === 'CMDQ' ? 'ERR=' + r[q].ERR : 'OVFLG=' + r[q].OVFLG + ' OVACKFLG=' + r[q].OVACKFLG]),
        ['queue', 'LOG2SIZE', 'PROD', 'wrap', 'CONS', 'wrap', 'flags'], {class: 'queues'});
      grid.append(el('div', {}, el('b', {}, 'features (IDR0..5 ' + m.idr.join(' ') + ')'), features),
        el('div', {}, el('b', {}, 'registers'), regs, el('b', {}, 'queues'), queues));
      div.append(grid);
      parts.push(div);
    }
    body.replaceChildren(...parts);
  }

  const STE_FIELDS = ['V', 'Config', 'S1Fmt', 'S1ContextPtr', 'S1CDMax', 'S1DSS', 'EATS', 'STRW', 'S2VMID',
    'S2T0SZ', 'S2SL0', 'S2TG', 'S2PS', 'S2AA64', 'S2R', 'S2TTB'];
  function renderStreams(s) {
    const body = document.getElementById('streams-body');
    const parts = [];
    const vmids = new Map();
    for (const m of s.smmus) {
      const rows = [];
      const details = [];
      for (const st of m.streams) {
        if (st.error) { rows.push([st.stream_id, '', el('span', {class: 'error'}, st.error)]); continue; }
        const f = st.fields;
        if (f.V === '1' && Number(f.Config) & 2) vmids.set(m.id + ':' + st.stream_id, Number(f.S2VMID));
        rows.push([st.stream_id, st.ste_pa, STE_FIELDS.filter(k => k in f).map(k => k + '=' + f[k]).join(' ')]);
        const d = el('details', {class: 'ste', 'data-sid': st.stream_id},
          el('summary', {}, `SMMU ${m.id} StreamID ${st.stream_id}: every STE field (raw ${st.raw.join(' ')})`),
          kv(f, {class: 'ste-fields'}));
        if (st.cd) d.append(el('b', {}, 'CD at ' + st.cd.pa), kv(st.cd.fields, {class: 'cd-fields'}));
        if (st.cd_note) d.append(el('p', {class: 'note'}, st.cd_note));
        details.push(d);
      }
      parts.push(el('h3', {}, `SMMU ${m.id}`),
        table(rows, ['StreamID', 'STE PA', 'decoded STE'], {class: 'streams', 'data-smmu': m.id}), ...details);
    }
    vmidOfStream = vmids;
    body.replaceChildren(...parts);
  }

  // The VMIDs the SMMU uses right now, as its live STEs carry them (S2VMID of every valid STE with stage 2).
  function renderVmids(s) {
    const rows = [];
    for (const m of s.smmus) {
      const byVmid = new Map();
      for (const [key, vmid] of vmidOfStream) {
        const [smmu, sid] = key.split(':');
        if (Number(smmu) !== m.id) continue;
        if (!byVmid.has(vmid)) byVmid.set(vmid, []);
        byVmid.get(vmid).push(Number(sid));
      }
      for (const [vmid, sids] of [...byVmid].sort((a, b) => a[0] - b[0])) {
        rows.push([m.id, vmid, '0x' + vmid.toString(16), sids.sort((a, b) => a - b).join(', ')]);
      }
    }
    document.getElementById('vmids-body').replaceChildren(rows.length
      ? table(rows, ['SMMU', 'VMID', 'hex', 'StreamIDs'], {class: 'vmids'})
      : el('p', {class: 'note'}, 'no valid STE with stage 2 translation'));
  }

  function renderTlb(s) {
    document.getElementById('tlb-body').replaceChildren(table(s.smmus.map(m => {
      const total = m.tlb.hits + m.tlb.misses;
      return [m.id, m.tlb.hits, m.tlb.misses, total ? (100 * m.tlb.hits / total).toFixed(1) + '%' : '-'];
    }), ['SMMU', 'hits', 'misses', 'hit rate'], {class: 'tlb'}));
  }

  function passes(e) {
    const sid = document.getElementById('filter-sid').value.trim();
    const vmid = document.getElementById('filter-vmid').value.trim();
    if (sid !== '' && Number(sid) !== e.stream_id) return false;
    if (vmid !== '' && Number(vmid) !== vmidOfStream.get(e.iommu + ':' + e.stream_id)) return false;
    return true;
  }
  function renderEvents() {
    const tbody = document.querySelector('#events-table tbody');
    const rows = events.filter(passes).map(e => el('tr', {class: 'event'}, ...[e.n, e.iommu, e.index,
      '0x' + e.event_id.toString(16), e.stream_id, vmidOfStream.get(e.iommu + ':' + e.stream_id) ?? '-',
      e.reason].map(c => el('td', {}, c))));
    tbody.replaceChildren(...rows);
    document.getElementById('event-count').textContent =
      `${received} received, ${events.length} kept (at most ${MAX_EVENTS}), ${rows.length} shown`;
  }

  function render(s) {
    renderPlatform(s);
    renderStreams(s);
    renderVmids(s);
    renderTlb(s);
    renderEvents();
    document.body.dataset.snapshots = String(Number(document.body.dataset.snapshots || 0) + 1);
  }

  document.getElementById('filter-sid').addEventListener('input', renderEvents);
  document.getElementById('filter-vmid').addEventListener('input', renderEvents);

  const status = document.getElementById('status');
  const source = new EventSource('api/stream');   // the token travels as the page's cookie
  source.addEventListener('open', () => { status.textContent = 'live'; status.className = 'status live'; });
  source.addEventListener('error', () => { status.textContent = 'disconnected'; status.className = 'status down'; });
  source.addEventListener('state', m => render(JSON.parse(m.data)));
  source.addEventListener('hostevent', m => {
    const e = JSON.parse(m.data);
    e.n = ++received;
    events.push(e);
    if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
    renderEvents();
  });
})();
