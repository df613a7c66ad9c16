// A realistic set of figures for the chart tests, by hand: an operation from 2021-01-01 as of 2021-11-30 in which
// 8,307 children were recovered (every split of `recovered` adds up to it). Chosen so the charts have something to
// show: four-digit counts (8,307 / 3,046), one small method cell (other: 3, "<5" at threshold 5, which hides the
// next-smallest, expert_team, too), a small province outside the top ten, and rates with gaps (null).
import type { Figures } from '../../pipeline/figures/figures.ts';
import type { ChartOptions } from '../../pipeline/charts/charts.ts';

export const figures: Figures = {
  recovered: 8307,
  recovered_by_years_missing: { '0-10': 2115, '10-20': 1630, '20-30': 1442, '30-40': 1186, '40-50': 968, '50-60': 611, '60+': 355 },
  recovered_by_method: { dna: 3046, investigation: 2214, alert: 1120, recognition_event: 1295, expert_team: 629, other: 3 },
  recovered_by_province: {
    '11': 61, '12': 48, '13': 312, '14': 166, '15': 97, '21': 143, '22': 88, '23': 71, '31': 52, '32': 244, '33': 301,
    '34': 512, '35': 488, '36': 236, '37': 506, '41': 593, '42': 317, '43': 402, '44': 612, '45': 655, '46': 41,
    '50': 233, '51': 654, '52': 561, '53': 498, '54': 2, '61': 188, '62': 85, '63': 23, '64': 35, '65': 71, '66': 12,
  },
  recovered_by_month: {
    '2021-01': 512, '2021-02': 430, '2021-03': 688, '2021-04': 702, '2021-05': 756, '2021-06': 801,
    '2021-07': 870, '2021-08': 915, '2021-09': 884, '2021-10': 897, '2021-11': 852,
  },
  longest_separation_years: 74,
  cold_cases_solved: 1064,
  cases_solved: 1198,
  suspects_arrested: 1307,
  long_fugitives_arrested: 146,
  supervised_cases_solved_by_experts: 52,
  recovered_by_expert_teams: 629,
  recognition_events: 1120,
  families_reunited_at_events: 2954,
  blood_points_active: 36_000,
  cases_reported_by_year: {
    '2012': 2856, '2013': 2240, '2014': 1605, '2015': 1130, '2016': 880, '2017': 652, '2018': 512, '2019': 431, '2020': 372, '2021': 298,
  },
  detection_rate_by_year: {
    trafficking: { '2012': 0.912, '2013': 0.905, '2014': 0.921, '2015': 0.933, '2016': 0.94, '2017': 0.951, '2018': 0.962, '2019': 0.958, '2020': 0.966, '2021': 0.874 },
    buying: { '2012': 0.85, '2013': 0.861, '2014': 0.87, '2015': 0.882, '2016': 0.875, '2017': 0.9, '2018': 0.912, '2019': 0.905, '2020': 0.92, '2021': 0.81 },
    luring: { '2012': 0.781, '2013': 0.79, '2014': 0.772, '2015': 0.81, '2016': 0.823, '2017': 0.835, '2018': 0.84, '2019': 0.861, '2020': 0.85, '2021': 0.7 },
    snatching: { '2012': 0.65, '2013': 0.7, '2014': 0.667, '2015': 0.75, '2016': 0.8, '2017': null, '2018': 0.833, '2019': 1, '2020': null, '2021': null },
  },
  cases_solved_since: 28_412,
  suspects_arrested_since: 39_560,
  alerts_released: 5203,
  alerts_recovered: 5127,
  alert_recovery_rate: 5127 / 5203,
  dna_recoveries_since: 6712,
};

/** The public press bulletin as of 2021-11-30 (threshold 5); override what a test varies. */
export function options(overrides: Partial<ChartOptions> = {}): ChartOptions {
  return { language: 'en', smallCountThreshold: 5, asOf: '2021-11-30', operationStart: '2021-01-01', partialYear: '2021', ...overrides };
}
