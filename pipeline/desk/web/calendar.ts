// calendar.ics: the planned releases (approved editions) and the last month's releases, as events a calendar
// program imports (written with ical.js, the parser Thunderbird's calendar uses). Times are UTC instants; a
// calendar shows them in its own time zone. Each edition keeps its UID, so a re-import updates rather than doubles.
import ICAL from 'ical.js';
import type { Edition } from '../store.ts';

const RELEASE_MINUTES = 15;

export function calendarIcs(editions: Edition[], now: Date): string {
  const calendar = new ICAL.Component(['vcalendar', [], []]);
  calendar.updatePropertyWithValue('prodid', '-//Reunion operation//bulletin press desk//EN');
  calendar.updatePropertyWithValue('version', '2.0');
  calendar.updatePropertyWithValue('calscale', 'GREGORIAN');
  calendar.updatePropertyWithValue('x-wr-calname', 'Bulletin releases / 通报发布');
  const since = now.getTime() - 31 * 86400_000;
  for (const edition of editions) {
    if (!edition.release_at) continue;
    const planned = edition.state === 'approved';
    const released = (edition.state === 'released' || edition.state === 'superseded') && new Date(edition.release_at).getTime() >= since;
    if (!planned && !released) continue;
    const start = new Date(edition.release_at);
    const event = new ICAL.Event(new ICAL.Component('vevent'));
    event.uid = `${edition.edition_id}@bulletin-desk`;
    event.summary = `${planned ? 'Release' : 'Released'}: ${edition.edition_id} / ${planned ? '发布' : '已发布'}`;
    event.description = `${edition.template} bulletin as of ${edition.as_of}, edition ${edition.number} (${edition.state}).`;
    event.startDate = ICAL.Time.fromJSDate(start, true);
    event.endDate = ICAL.Time.fromJSDate(new Date(start.getTime() + RELEASE_MINUTES * 60_000), true);
    event.component.updatePropertyWithValue('dtstamp', ICAL.Time.fromJSDate(now, true));
    event.component.updatePropertyWithValue('status', 'CONFIRMED');
    event.component.updatePropertyWithValue('transp', 'TRANSPARENT');
    calendar.addSubcomponent(event.component);
  }
  return calendar.toString().replace(/\r?\n/g, '\r\n') + '\r\n';
}
