// The farm's jobs with their live progress (measured / planned, ETA, the newest trial), updated
// from the event stream without reloading; a running job can be cancelled with the token.
import { el, kib, seconds } from './format.js';

export class JobsPanel {
  constructor(list, { canCancel, onCancel, onSelect }) {
    this.list = list;
    this.jobs = new Map();
    this.canCancel = canCancel;
    this.onCancel = onCancel;
    this.onSelect = onSelect;
  }

  set(jobs) {
    this.jobs = new Map(jobs.map((j) => [j.id, j]));
    this.render();
  }

  // returns the job as it was before (undefined when new)
  update(job) {
    const before = this.jobs.get(job.id);
    this.jobs.set(job.id, job);
    this.render();
    return before;
  }

  render() {
    const jobs = [...this.jobs.values()].sort((a, b) => b.id - a.id);
    if (!jobs.length) {
      this.list.replaceChildren(el('li', { class: 'summary', text: 'no jobs (tinytx-tune --farm submits them)' }));
      return;
    }
    this.list.replaceChildren(...jobs.map((j) => this.item(j)));
  }

  item(j) {
    const p = j.progress;
    const active = j.state === 'running' || j.state === 'queued';
    const li = el('li', { 'data-job-id': j.id, 'data-state': j.state });
    const title = el('div', {},
      el('a', { href: '#', text: `#${j.id} ${j.model}`, onclick: (e) => { e.preventDefault(); this.onSelect(j); } }),
      ` on ${j.board}${j.budget_bytes ? ` · ${kib(j.budget_bytes)}` : ''} · `,
      el('span', { class: `state-${j.state}`, text: j.state }));
    if (active && this.canCancel())
      title.append(' ', el('button', { type: 'button', text: 'Cancel', onclick: () => this.onCancel(j) }));
    li.append(title);
    if (p && p.planned) {
      li.dataset.done = p.done;
      li.dataset.planned = p.planned;
      li.append(el('progress', { max: p.planned, value: p.done }),
        el('div', { class: 'counts', text: `${p.done}/${p.planned} done · ${p.measured} measured · ${p.reused} reused` +
          (p.failed ? ` · ${p.failed} failed` : '') + (active && p.eta_s >= 0 ? ` · ETA ${seconds(p.eta_s)}` : '') +
          ` · ${seconds(p.elapsed_s)} elapsed` }));
      if (p.last) li.append(el('div', { class: 'last', text: p.last, title: p.last }));
    }
    if (j.error && j.state !== 'finished') li.append(el('div', { class: 'error', text: j.error }));
    return li;
  }
}
