// The templates without a browser: strict filling, the helpers' number and date forms, the record of printed
// figures, escaping of every value, and the rule that only chart SVG is printed unescaped.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Figures } from '../../pipeline/figures/figures.ts';
import { templateContext, type BulletinFacts } from '../../pipeline/render/context.ts';
import { bulletinHandlebars, formatDate } from '../../pipeline/render/helpers.ts';
import { bulletinKinds, fillTemplate, templatesDir, unescapedExpressions } from '../../pipeline/render/templates.ts';

const expected = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'conformance', 'expected.json'), 'utf8'));
const figures = expected.final.metrics as Figures;

const CHART_IDS = ['recovered-by-years-missing', 'recovered-by-month', 'cases-reported-by-year', 'detection-rate-by-year', 'recovered-by-method', 'top-provinces'];

function facts(template: 'press' | 'briefing', overrides: Partial<BulletinFacts> = {}): BulletinFacts {
  return {
    template,
    audience: template === 'press' ? 'public' : 'internal',
    title: 'Title',
    operationName: 'Reunion 2021',
    asOf: '2021-12-15',
    operationStart: '2021-01-01',
    partialYear: '2021',
    since: { cases_solved_since: '2012-11-08', suspects_arrested_since: '2012-11-08', alerts_released: '2016-05-15', dna_recoveries_since: '2009-04-01' },
    figures,
    smallCountThreshold: template === 'press' ? 5 : 0,
    comparison: { previous: null, lastYear: null },
    quality: { snapshot: '20261123T040000Z-load2', files: [], reasons: [] },
    notableCases: [],
    charts: Object.fromEntries(CHART_IDS.map((id) => [id, `<svg data-chart="${id}"></svg>`])),
    ...overrides,
  };
}

function fill(template: 'press' | 'briefing', language: 'en' | 'zh', overrides: Partial<BulletinFacts> = {}) {
  const { context } = templateContext(facts(template, overrides), language);
  return fillTemplate(template, language, context);
}

/** Every .hbs file of templates/ (bulletins, partials and annexes). */
function allTemplateFiles(): string[] {
  return ['bulletins', 'partials', 'annex'].flatMap((dir) =>
    readdirSync(join(templatesDir, dir)).filter((f) => f.endsWith('.hbs')).map((f) => join(templatesDir, dir, f)),
  );
}

describe('helpers', () => {
  it('dates in each language with date-fns', () => {
    expect(formatDate('2021-11-30', 'zh')).toBe('2021年11月30日');
    expect(formatDate('2021-11-30', 'en')).toBe('November 30, 2021');
    expect(formatDate('2021-09-16', 'zh', 'month_day')).toBe('9月16日');
    expect(formatDate('2021-09-16', 'en', 'month_day')).toBe('September 16');
  });

  it('figures by id in each locale form, each one recorded as printed and as computed', () => {
    const hb = bulletinHandlebars();
    const template = hb.compile('{{exact "recovered"}}|{{press "recovered"}}|{{percent "alert_recovery_rate"}}|{{exact "recovered_by_years_missing" "20-30"}}', { strict: true });
    const root = { figures: { ...figures, recovered: 8307, alert_recovery_rate: 0.98540 }, language: 'en' };
    const printed: unknown[] = [];
    expect(template(root, { data: { printed } })).toBe(`8,307|more than 8,300|98.5%|${figures.recovered_by_years_missing['20-30'].toLocaleString('en-US')}`);
    expect(template({ ...root, language: 'zh' }, { data: { printed: [] } })).toBe(`8307|8300余|98.5%|${figures.recovered_by_years_missing['20-30']}`);
    expect(printed).toEqual([
      { figure: 'recovered', computed: 8307, printed: '8,307', rule: 'exact' },
      { figure: 'recovered', computed: 8307, printed: 'more than 8,300', rule: 'press' },
      { figure: 'alert_recovery_rate', computed: 0.9854, printed: '98.5%', rule: 'percentage' },
      { figure: 'recovered_by_years_missing', key: '20-30', computed: figures.recovered_by_years_missing['20-30'], printed: expect.any(String), rule: 'exact' },
    ]);
  });

  it('an unknown figure or key fails instead of printing blank', () => {
    const hb = bulletinHandlebars();
    const root = { figures, language: 'en' };
    expect(() => hb.compile('{{exact "recoverd"}}')(root, { data: { printed: [] } })).toThrow(/no figure "recoverd"/);
    expect(() => hb.compile('{{exact "recovered_by_years_missing" "70+"}}')(root, { data: { printed: [] } })).toThrow(/has no "70\+"/);
  });
});

describe('templates', () => {
  it('every bulletin of bulletins.yaml has a template per language, and each fills', () => {
    for (const [name] of Object.entries(bulletinKinds())) {
      for (const language of ['en', 'zh'] as const) {
        const { html, printed } = fill(name as 'press' | 'briefing', language);
        expect(html).toMatch(/^<!DOCTYPE html>/);
        expect(html).toContain(`lang="${language === 'zh' ? 'zh-CN' : 'en'}"`);
        expect(printed.length).toBeGreaterThan(10);
        for (const id of CHART_IDS) expect(html, `${name}.${language} draws ${id}`).toContain(`<svg data-chart="${id}">`);
      }
    }
  });

  const textOf = (html: string): string => html.replace(/<[^>]*>/g, '').replaceAll('&nbsp;', ' ');

  it('the press bulletin prints the figures in the reference form of each language', () => {
    // The text, without the spans that keep dates and numbers with their unit on one line (and their no-break spaces).
    const zh = textOf(fill('press', 'zh').html);
    const en = textOf(fill('press', 'en').html);
    expect(zh).toContain(`找回历年失踪被拐儿童${figures.recovered}名`);
    expect(en).toContain(`recovered ${figures.recovered.toLocaleString('en-US')} missing and abducted children`);
    expect(zh).toContain('截至12月15日');
    expect(en).toContain('As of December 15');
    // Press rounding where the template asks for it.
    expect(en).toMatch(/arrested (more than )?[\d,]+ suspects/);
    expect(zh).toMatch(/抓获拐卖犯罪嫌疑人\d+余?名/);
  });

  it('strict: a field missing from the context fails the render, naming the template', () => {
    const { context } = templateContext(facts('press'), 'en');
    const { trend: _trend, ...withoutTrend } = context as Record<string, unknown>;
    expect(() => fillTemplate('press', 'en', withoutTrend)).toThrow(/^templates\/bulletins\/press\.en\.hbs: .*last_full_year/);
    const { title: _title, ...withoutTitle } = context as Record<string, unknown>;
    expect(() => fillTemplate('press', 'en', withoutTitle)).toThrow(/^templates\/bulletins\/press\.en\.hbs: "title" not defined/);
    expect(() => fillTemplate('press', 'en', context)).not.toThrow();
  });

  it('public tables suppress small cells; the internal briefing shows them', () => {
    const small = { ...figures, recovered_by_province: { '11': 3, '12': 40, '13': 12 } };
    const press = fill('press', 'en', { figures: small }).html;
    expect(press).toContain('&lt;5');
    expect(press).not.toMatch(/>3<\/td>/);
    const briefing = fill('briefing', 'en', { figures: small }).html;
    expect(briefing).toMatch(/>3<\/td>/);
    expect(briefing).not.toContain('&lt;5');
  });

  it('the briefing is marked internal and compares with the previous bulletin and a year earlier', () => {
    const previous = { asOf: '2021-11-30', figures: { ...figures, recovered: figures.recovered - 10 } };
    const lastYear = { asOf: '2020-12-15', operationStart: '2020-01-01', figures: { ...figures, recovered: 5 } };
    const html = fill('briefing', 'en', { comparison: { previous, lastYear } }).html;
    expect(html).toContain('INTERNAL – NOT FOR PUBLICATION');
    expect(textOf(html)).toContain('Previous (as of November 30, 2021)');
    expect(textOf(html)).toContain('A year earlier (as of December 15, 2020)');
    expect(html).toContain('<td class="number">+10</td>');
    const none = fill('briefing', 'zh').html;
    expect(none).toContain('内部资料');
    expect(none).toContain('无法比较');
  });

  it('every value from data is escaped: notable cases, province names, annex reasons', () => {
    const evil = ['<script>alert(1)</script>', '<img src="http://127.0.0.1:9/x">', 'javascript:alert(1)', '"><iframe src=x>'];
    const html = fill('briefing', 'en', {
      quality: { snapshot: '<b>s</b>', files: [], reasons: evil.map((reason) => ({ table_name: 'persons', column_name: 'x', reason, rows: 1 })) },
    }).html;
    const press = fill('press', 'zh', { notableCases: evil.map((text) => ({ title: text, text })) }).html;
    for (const doc of [html, press]) {
      expect(doc).not.toMatch(/<script|<img|<iframe|<b>s/);
    }
    expect(press).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(press).toContain('javascript:alert(1)');
    expect(press).not.toMatch(/href=/);
  });

  it('triple braces only print chart SVG the code drew (every template and partial)', () => {
    const files = allTemplateFiles();
    expect(files.length).toBeGreaterThanOrEqual(8);
    const offending = files.flatMap((file) => unescapedExpressions(readFileSync(file, 'utf8')).filter((path) => path !== 'chart.svg').map((path) => `${file}: {{{${path}}}}`));
    expect(offending).toEqual([]);
    // The check sees a triple brace and an {{& }} when there is one.
    expect(unescapedExpressions('<p>{{{notable}}}</p>{{&other}}{{safe}}')).toEqual(['notable', 'other']);
  });
});
