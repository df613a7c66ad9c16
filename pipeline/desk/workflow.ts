// The editions' workflow of desk.md in one place: the states, the events that move an edition between them, and
// who may cause each event (the authority rules). Pure functions over plain values: the command line, the
// scheduler and the desk page all ask here, none holds a rule of its own. (After alphagov/whitehall's
// edition/workflow.rb and authority/rules/edition_rules.rb.)
//
//   draft ──submit──▶ submitted ──approve──▶ approved ──release──▶ released ──(correction released)──▶ superseded
//     ▲                  │
//     └─────reject───────┘          draft | submitted | approved ──withdraw──▶ withdrawn

export const STATES = ['draft', 'submitted', 'approved', 'released', 'superseded', 'withdrawn'] as const;
export type EditionState = (typeof STATES)[number];

export const ROLES = ['drafter', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type EditionEvent = 'refresh' | 'submit' | 'approve' | 'reject' | 'release' | 'withdraw' | 'supersede' | 'back_to_draft' | 'release_unreviewed';

/** Each event: the states it may start from, and the state it leads to. */
export const TRANSITIONS: Record<EditionEvent, { from: readonly EditionState[]; to: EditionState }> = {
  refresh: { from: ['draft'], to: 'draft' },
  submit: { from: ['draft'], to: 'submitted' },
  approve: { from: ['submitted'], to: 'approved' },
  reject: { from: ['submitted'], to: 'draft' },
  // A submitted edition whose content changed (new data, an edited notable case) goes back to draft.
  back_to_draft: { from: ['submitted'], to: 'draft' },
  release: { from: ['approved'], to: 'released' },
  withdraw: { from: ['draft', 'submitted', 'approved'], to: 'withdrawn' },
  supersede: { from: ['released'], to: 'superseded' },
  // A job configured with `approval: none` (rule 4): released at once by the scheduler, marked "not reviewed".
  release_unreviewed: { from: ['draft'], to: 'released' },
};

/** Who may cause each event by hand (the scheduler acts as the system for release and back_to_draft). */
const ROLES_FOR: Record<EditionEvent, readonly Role[]> = {
  refresh: ROLES,
  submit: ROLES,
  approve: ['approver', 'admin'],
  reject: ['approver', 'admin'],
  back_to_draft: ROLES,
  release: ['approver', 'admin'],
  withdraw: ROLES,
  supersede: ['approver', 'admin'],
  release_unreviewed: [],
};

/** What an edition says about who touched it, for the four-eyes rule. */
export interface EditionPeople {
  state: EditionState;
  submittedBy: string | null;
  lastChangedBy: string | null;
}

export interface Actor {
  name: string;
  role: Role;
}

/** Why an event is refused, or null when it may happen. Messages are the ones desk.md fixes where it fixes one. */
export function refusal(event: EditionEvent, edition: EditionPeople, actor: Actor | 'system'): string | null {
  const transition = TRANSITIONS[event];
  if (!transition.from.includes(edition.state)) {
    return `${verb(event)} needs an edition that is ${transition.from.join(' or ')}; this one is ${edition.state}`;
  }
  if (actor === 'system') return null;
  if (!ROLES_FOR[event].includes(actor.role)) return `${actor.name} (${actor.role}) may not ${verb(event)}: that needs the role ${ROLES_FOR[event].join(' or ')}`;
  // Rule 1: the approver is neither the submitter nor the last person who changed the content.
  if (event === 'approve' && (actor.name === edition.submittedBy || actor.name === edition.lastChangedBy)) {
    const who = actor.name === edition.submittedBy ? 'submitted it' : 'last changed its content';
    return `not the second pair of eyes: ${actor.name} ${who}; another approver must approve`;
  }
  return null;
}

/** The events a person may cause on an edition now (the actions a page offers). */
export function allowedEvents(edition: EditionPeople, actor: Actor): EditionEvent[] {
  const manual: EditionEvent[] = ['submit', 'approve', 'reject', 'release', 'withdraw'];
  return manual.filter((event) => refusal(event, edition, actor) === null);
}

function verb(event: EditionEvent): string {
  return event === 'back_to_draft' ? 'send back to draft' : event;
}
