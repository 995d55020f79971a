import { describe, expect, it } from 'vitest';
import { compilePattern, compilePatterns } from '../../src/reconcile/patterns.ts';
import { foldAttributes, renderTemplate } from '../../src/reconcile/template.ts';

describe('compilePattern', () => {
  it('matches globs against the whole name, case-sensitively', () => {
    const m = compilePattern('Qlik-*-?');
    expect(m('Qlik-Sales-1')).toBe(true);
    expect(m('Qlik--1')).toBe(true);
    expect(m('qlik-Sales-1')).toBe(false);
    expect(m('Qlik-Sales-12')).toBe(false);
    expect(m('xQlik-Sales-1')).toBe(false);
  });
  it('treats regex characters in globs literally', () => {
    expect(compilePattern('a.b(c)+[d]{e}|f^$\\-/')('a.b(c)+[d]{e}|f^$\\-/')).toBe(true);
    expect(compilePattern('a.b')('axb')).toBe(false);
  });
  it('matches exact names', () => {
    expect(compilePattern('Sales')('Sales')).toBe(true);
    expect(compilePattern('Sales')('Sales2')).toBe(false);
  });
  it('matches /regex/flags as written, without global state', () => {
    const m = compilePattern('/^sales-(eu|us)$/gi');
    expect(m('SALES-EU')).toBe(true);
    expect(m('SALES-EU')).toBe(true);
    expect(m('sales-apac')).toBe(false);
    expect(compilePattern('/ops/')('devops-team')).toBe(true);
  });
  it('matches nothing for an invalid regex', () => {
    expect(compilePattern('/(/')('(')).toBe(false);
  });
  it('any of several; none for an empty list', () => {
    expect(compilePatterns(['A*', '/b$/'])('xb')).toBe(true);
    expect(compilePatterns([])('x')).toBe(false);
  });
});

describe('renderTemplate', () => {
  const values = foldAttributes({ sAMAccountName: 'jdoe', userPrincipalName: 'jdoe@corp.example', empty: '' });
  it('replaces placeholders, attribute names case-insensitively', () => {
    expect(renderTemplate('CORP\\{samaccountname}', values)).toEqual({ ok: true, value: 'CORP\\jdoe' });
    expect(renderTemplate('{USERPRINCIPALNAME}', values)).toEqual({ ok: true, value: 'jdoe@corp.example' });
  });
  it('reports missing or empty values instead of a half-rendered result', () => {
    expect(renderTemplate('{mail}-{empty}-{sAMAccountName}', values)).toEqual({ ok: false, missing: ['mail', 'empty'] });
  });
});
