// auditor.js: filter the access log page by page, export what the filter
// selects as CSV (built here, UTF-8 with a BOM so Excel reads Chinese), and
// verify the hash chain.
'use strict';

(function () {
  var YJ = window.YJ;
  var t = YJ.t, el = YJ.el;
  YJ.addMessages({
    pageTitle: ['审计 · 阅卷', 'Auditor · Yuejuan'],
    logTitle: ['访问日志', 'Access log'],
    actor: ['操作人（执业证号或账号）', 'Actor (certificate no. or account)'],
    action: ['操作', 'Action'],
    actionPh: ['如 link.download', 'e.g. link.download'],
    caseId: ['案件 ID', 'Case ID'],
    applicationId: ['申请 ID', 'Application ID'],
    from: ['起始时间', 'From'],
    to: ['截止时间', 'To'],
    search: ['查询', 'Search'],
    export: ['导出 CSV', 'Export CSV'],
    reset: ['清空条件', 'Clear'],
    more: ['加载更多', 'More'],
    colSeq: ['序号', 'Seq'],
    colTime: ['时间', 'Time'],
    colActor: ['操作人', 'Actor'],
    colRole: ['角色', 'Role'],
    colAction: ['操作', 'Action'],
    colResult: ['结果', 'Result'],
    colCase: ['案件', 'Case'],
    colApp: ['申请', 'Application'],
    colIP: ['IP', 'IP'],
    colDetail: ['详情', 'Detail'],
    shown: ['显示 {0} 条记录', '{0} record(s) shown'],
    shownMore: ['显示 {0} 条记录，还有更多', '{0} record(s) shown; there are more'],
    noEvents: ['没有符合条件的记录。', 'No records match.'],
    exporting: ['正在导出…已取得 {0} 条', 'Exporting… {0} record(s) so far'],
    exported: ['已导出 {0} 条记录到 {1}', 'Exported {0} record(s) to {1}'],
    badTime: ['时间格式无效', 'Invalid time'],
    verifyTitle: ['完整性校验', 'Integrity check'],
    verifyIntro: ['重新计算整条哈希链，检查日志是否被篡改、删除或替换。', 'Recompute the whole hash chain to find records changed, removed or replaced.'],
    verify: ['校验日志', 'Verify the log'],
    verifying: ['正在校验…', 'Verifying…'],
    verifyOK: ['✓ 校验通过：共 {0} 条记录，哈希链完整。', '✓ Intact: {0} record(s), the hash chain holds.'],
    verifyBad: ['✗ 校验失败：第一条异常记录为第 {0} 条。', '✗ Broken: the first bad record is no. {0}.'],
    verifyHead: ['链尾哈希', 'Head hash'],
    verifyPending: ['另有 {0} 条预写记录尚未入链，调度任务将补记。', '{0} record(s) written ahead are not yet in the chain; the scheduler appends them.'],
    verifyProblem: ['问题', 'Problem'],
    footer: ['如需帮助请致电 12309 检察服务热线', 'For help call the 12309 procuratorate hotline']
  });

  var c = YJ.requireRole('auditor');
  if (!c) return;

  // Each action's Chinese label, from the filter's list (web.New fills it
  // from audit's declaration): the log's table shows it under the action.
  var labels = {};
  Array.prototype.forEach.call(document.querySelectorAll('#actions option'), function (o) { labels[o.value] = o.label; });

  var PAGE = 100;
  var rows = [];
  var next = '';
  var query = '';

  // filterQuery turns the form into the API's query string, or throws
  // the problems to show.
  function filterQuery() {
    var p = new URLSearchParams();
    var problems = [];
    [['actor', '#f-actor'], ['case', '#f-case'], ['application', '#f-application'], ['action', '#f-action']].forEach(function (x) {
      var v = YJ.$(x[1]).value.trim();
      if (v) p.set(x[0], v);
    });
    [['from', '#f-from'], ['to', '#f-to']].forEach(function (x) {
      var v = YJ.$(x[1]).value;
      if (!v) return;
      var d = new Date(v); // datetime-local is local time
      if (isNaN(d.getTime())) problems.push({ field: x[0], message: t('badTime') });
      else p.set(x[0], d.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    });
    if (problems.length) throw { quiet: true, problems: problems };
    return p;
  }

  function detailText(d) {
    if (!d) return '';
    return Object.keys(d).sort().map(function (k) { return k + '=' + d[k]; }).join('; ');
  }

  function renderRows() {
    var tb = YJ.$('#events tbody');
    YJ.clear(tb);
    rows.forEach(function (e) {
      tb.appendChild(el('tr', { 'data-seq': e.seq, className: e.result === 'ok' ? null : 'not-ok' },
        el('td', { className: 'nowrap' }, String(e.seq)),
        el('td', { className: 'nowrap' }, YJ.fmtTime(e.time)),
        el('td', { className: 'mono actor' }, e.actor || ''),
        el('td', null, e.role || ''),
        el('td', { className: 'mono action', 'data-label': labels[e.action] || null }, e.action || ''),
        el('td', null, e.result || ''),
        el('td', { className: 'mono' }, e.caseId || ''),
        el('td', { className: 'mono' }, e.applicationId || ''),
        el('td', { className: 'mono ip' }, e.ip || ''),
        el('td', { className: 'detail' }, detailText(e.detail))));
    });
    var st = YJ.$('#result-status');
    if (!rows.length) YJ.status(st, t('noEvents'));
    else YJ.status(st, next ? t('shownMore', rows.length) : t('shown', rows.length));
    YJ.$('#more').hidden = !next;
  }

  function fetchPage(q, cursor) {
    var p = new URLSearchParams(q);
    p.set('limit', String(PAGE));
    if (cursor) p.set('cursor', cursor);
    return YJ.api('GET', '/audit/events?' + p.toString());
  }

  function search(ev) {
    if (ev) ev.preventDefault();
    var form = YJ.$('#filter');
    YJ.clearProblems(form);
    var q;
    try { q = filterQuery().toString(); } catch (e) { YJ.showProblems(form, e); return; }
    var btn = YJ.$('#search');
    btn.disabled = true;
    fetchPage(q, '').then(function (page) {
      query = q;
      rows = (page && page.events) || [];
      next = (page && page.next) || '';
      renderRows();
    }, function (err) {
      YJ.showProblems(form, err);
    }).finally(function () { btn.disabled = false; });
  }

  function more() {
    var btn = YJ.$('#more');
    btn.disabled = true;
    fetchPage(query, next).then(function (page) {
      rows = rows.concat((page && page.events) || []);
      next = (page && page.next) || '';
      renderRows();
    }, function (err) {
      YJ.status(YJ.$('#result-status'), err.message, 'error');
    }).finally(function () { btn.disabled = false; });
  }

  // ---- CSV -----------------------------------------------------------------------
  var columns = ['seq', 'time', 'actor', 'role', 'action', 'result', 'caseId', 'applicationId', 'target', 'ip', 'userAgent', 'requestId', 'detail', 'prevHash', 'hash'];

  function csvCell(v) {
    var s = v === null || v === undefined ? '' : String(v);
    // A cell a spreadsheet would run as a formula is kept as text.
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return '"' + s.replace(/"/g, '""') + '"';
  }

  function csv(events) {
    var lines = [columns.map(csvCell).join(',')];
    events.forEach(function (e) {
      lines.push(columns.map(function (k) { return csvCell(k === 'detail' ? detailText(e.detail) : e[k]); }).join(','));
    });
    return '\uFEFF' + lines.join('\r\n') + '\r\n';
  }

  // exportCSV fetches every record the filter selects (not only the pages
  // shown) and saves them.
  function exportCSV() {
    var form = YJ.$('#filter');
    YJ.clearProblems(form);
    var q;
    try { q = filterQuery().toString(); } catch (e) { YJ.showProblems(form, e); return; }
    var btn = YJ.$('#export');
    var st = YJ.$('#result-status');
    btn.disabled = true;
    var all = [];
    var step = function (cursor) {
      return fetchPage(q, cursor).then(function (page) {
        all = all.concat((page && page.events) || []);
        YJ.status(st, t('exporting', all.length));
        if (page && page.next) return step(page.next);
      });
    };
    step('').then(function () {
      var now = new Date();
      var p = function (x) { return (x < 10 ? '0' : '') + x; };
      var name = 'audit-' + now.getFullYear() + p(now.getMonth() + 1) + p(now.getDate()) + '-' + p(now.getHours()) + p(now.getMinutes()) + p(now.getSeconds()) + '.csv';
      var url = URL.createObjectURL(new Blob([csv(all)], { type: 'text/csv;charset=utf-8' }));
      var a = el('a', { href: url, download: name, hidden: true });
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 10000);
      YJ.status(st, t('exported', all.length, name), 'ok');
    }, function (err) {
      YJ.showProblems(form, err);
    }).finally(function () { btn.disabled = false; });
  }

  // ---- verify ----------------------------------------------------------------------
  function verify() {
    var box = YJ.$('#verify-result');
    var btn = YJ.$('#verify');
    btn.disabled = true;
    YJ.status(box, t('verifying'));
    YJ.api('GET', '/audit/verify').then(function (rep) {
      YJ.clear(box);
      box.className = 'notice ' + (rep.ok ? 'notice-ok' : 'notice-error');
      box.setAttribute('data-ok', rep.ok ? 'true' : 'false');
      box.appendChild(el('div', { className: 'verdict' }, rep.ok ? t('verifyOK', rep.records) : t('verifyBad', rep.firstBad)));
      if (!rep.ok && rep.problem) box.appendChild(el('div', null, t('verifyProblem') + YJ.colon() + YJ.apiText(rep.problem)));
      if (rep.headHash) box.appendChild(el('div', { className: 'mono' }, t('verifyHead') + YJ.colon() + rep.headHash));
      if (rep.pending) box.appendChild(el('div', null, t('verifyPending', rep.pending)));
      box.hidden = false;
    }, function (err) {
      YJ.status(box, err.message, 'error');
    }).finally(function () { btn.disabled = false; });
  }

  function start() {
    YJ.frame(c);
    YJ.onLang(renderRows);
    YJ.$('#filter').addEventListener('submit', search);
    YJ.$('#filter').addEventListener('reset', function () { setTimeout(search, 0); });
    YJ.$('#more').addEventListener('click', more);
    YJ.$('#export').addEventListener('click', exportCSV);
    YJ.$('#verify').addEventListener('click', verify);
    search();
  }

  window.YJAudit = { csv: csv };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
