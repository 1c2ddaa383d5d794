// auditor.js: filter the access log (by 案号, lawyer, action, time),
// newest first, page by page, in Chinese (the labels of package audit,
// which web.New writes into the page) and in Beijing time; export what the
// filter selects through the API (CSV for people, NDJSON for programs);
// verify the hash chain.
'use strict';

(function () {
  var YJ = window.YJ;
  var t = YJ.t, el = YJ.el;
  YJ.addMessages({
    pageTitle: ['审计 · 阅卷', 'Auditor · Yuejuan'],
    logTitle: ['访问日志', 'Access log'],
    eventsTable: ['审计记录（可左右滚动）', 'Audit records (scrolls sideways)'],
    caseNo: ['案号', 'Case no.'],
    caseNoPh: ['如 京检刑诉〔2026〕7号', 'e.g. 京检刑诉〔2026〕7号'],
    caseNoHint: ['〔〕、()、全角数字等写法均可', 'Any bracket style or full-width digits'],
    lawyer: ['律师（姓名或执业证号）', 'Lawyer (name or certificate no.)'],
    actor: ['操作人账号', 'Actor account'],
    action: ['操作', 'Action'],
    anyAction: ['全部操作', 'Any action'],
    applicationId: ['申请编号', 'Application no.'],
    from: ['起始时间（北京时间）', 'From (Beijing time)'],
    to: ['截止时间（北京时间）', 'To (Beijing time)'],
    search: ['查询', 'Search'],
    export: ['导出 CSV', 'Export CSV'],
    exportNDJSON: ['导出 NDJSON（机读）', 'Export NDJSON (machine)'],
    reset: ['清空条件', 'Clear'],
    more: ['加载更多', 'More'],
    order: ['最新的记录在前；时间均为北京时间。', 'Newest first; times are Beijing time (UTC+8).'],
    colSeq: ['序号', 'Seq'],
    colTime: ['时间（北京时间）', 'Time (Beijing)'],
    colActor: ['操作人', 'Actor'],
    colRole: ['角色', 'Role'],
    colAction: ['操作', 'Action'],
    colResult: ['结果', 'Result'],
    colCase: ['案件 / 申请', 'Case / application'],
    colApp: ['申请', 'Application'],
    colSource: ['来源', 'Source'],
    colDetail: ['详情', 'Detail'],
    shown: ['显示 {0} 条记录', '{0} record(s) shown'],
    shownMore: ['显示 {0} 条记录，还有更多', '{0} record(s) shown; there are more'],
    noEvents: ['没有符合条件的记录。', 'No records match.'],
    notSearched: ['查询条件有误，请按提示修改后重新查询。', 'Fix the search as marked, then search again.'],
    exporting: ['正在导出…', 'Exporting…'],
    exported: ['已导出到 {0}', 'Exported to {0}'],
    badTime: ['时间格式无效', 'Invalid time'],
    toBeforeFrom: ['截止时间应晚于起始时间', 'The end must be after the start'],
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

  // The labels of roles, results, actions and detail keys (audit.Labels,
  // which web.New writes into the page), the same the CSV export uses. In English the page shows the codes.
  var labels = { actions: {}, results: {}, roles: {}, details: {}, values: {} };
  try { labels = JSON.parse(YJ.$('#audit-labels').getAttribute('data-labels')); } catch (e) { /* codes only */ }
  function zh() { return YJ.lang() !== 'en'; }
  function label(kind, code) {
    code = code === null || code === undefined ? '' : String(code);
    return zh() && labels[kind] && labels[kind][code] !== undefined ? labels[kind][code] : code;
  }

  // Beijing time whatever zone the browser is in (YJ.beijing): the
  // notices and the CSV say Beijing time too.
  var beijing = YJ.beijing;
  function beijingText(iso) {
    var b = beijing(iso);
    return b ? b.date + ' ' + b.weekday + ' ' + b.time : String(iso || '');
  }
  // fromBeijing reads a datetime-local value as Beijing time.
  function fromBeijing(v) {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) return null;
    var d = new Date(v + (v.length === 16 ? ':00' : '') + '+08:00');
    return isNaN(d.getTime()) ? null : d;
  }

  var PAGE = 100;
  var rows = [];
  var next = '';
  var query = '';
  var caseNos = {}; // case id → 案号, as the cases are read

  // filterQuery turns the form into the API's query string, or throws
  // the problems to show next to their fields.
  function filterQuery() {
    var p = new URLSearchParams();
    var problems = [];
    [['case', '#f-case'], ['lawyer', '#f-lawyer'], ['action', '#f-action'], ['actor', '#f-actor'], ['application', '#f-application']].forEach(function (x) {
      var v = YJ.$(x[1]).value.trim();
      if (v) p.set(x[0], v);
    });
    var times = {};
    [['from', '#f-from'], ['to', '#f-to']].forEach(function (x) {
      var n = YJ.$(x[1]);
      if (!n.value) {
        if (n.validity && n.validity.badInput) problems.push({ field: x[0], message: t('badTime') });
        return;
      }
      var d = fromBeijing(n.value);
      if (!d) problems.push({ field: x[0], message: t('badTime') });
      else {
        times[x[0]] = d;
        p.set(x[0], d.toISOString().replace(/\.\d{3}Z$/, 'Z'));
      }
    });
    if (times.from && times.to && times.from >= times.to) problems.push({ field: 'to', message: t('toBeforeFrom') });
    if (problems.length) throw { quiet: true, problems: problems };
    return p;
  }

  // detailText is a record's detail as Chinese text, "原因：非本人；…".
  function detailText(d) {
    if (!d) return '';
    return Object.keys(d).filter(function (k) { return d[k] !== ''; }).sort().map(function (k) {
      var v = String(d[k]);
      var shown = label('values', v);
      if (shown === v && zh() && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v) && beijing(v)) shown = beijingText(v);
      return label('details', k) + (zh() ? '：' : ': ') + shown;
    }).join(zh() ? '；' : '; ');
  }

  // cell is a table cell with its column's name for the narrow layout,
  // where each record is a card of "name value" lines.
  function cell(col, attrs) {
    attrs = attrs || {};
    attrs['data-th'] = t(col);
    var args = ['div', { className: 'v' }];
    var any = false;
    for (var i = 2; i < arguments.length; i++) {
      args.push(arguments[i]);
      if (arguments[i]) any = true;
    }
    return any ? el('td', attrs, el.apply(null, args)) : el('td', attrs);
  }

  function caseNode(id) {
    if (!id) return '';
    var no = caseNos[id];
    return el('span', { className: no ? 'case-no' : 'mono case-id', 'data-case': id, title: id }, no || id);
  }

  function renderRows() {
    var tb = YJ.$('#events tbody');
    YJ.clear(tb);
    rows.forEach(function (e) {
      var when = beijing(e.time);
      var actionLabel = label('actions', e.action);
      tb.appendChild(el('tr', { 'data-seq': e.seq, className: e.result === 'ok' ? null : 'not-ok' },
        cell('colTime', { className: 'when' }, when ? el('span', { className: 'date' }, when.date + ' ' + when.weekday) : '',
          when ? ' ' : null, when ? el('span', { className: 'time' }, when.time) : String(e.time || '')),
        cell('colActor', { className: 'actor-cell' }, el('span', { className: 'mono actor' }, e.actor || '')),
        cell('colRole', { className: 'role' }, label('roles', e.role)),
        cell('colAction', { className: 'action-cell' }, actionLabel !== e.action ? el('span', { className: 'action-label' }, actionLabel) : null,
          el('code', { className: 'action' }, e.action || '')),
        cell('colResult', { className: 'result result-' + (e.result || '') }, label('results', e.result)),
        cell('colCase', { className: 'case' }, caseNode(e.caseId),
          e.applicationId ? el('span', { className: 'app muted' }, t('colApp') + ' ', el('span', { className: 'mono' }, e.applicationId)) : null),
        cell('colDetail', { className: 'detail' }, detailText(e.detail)),
        cell('colSource', { className: 'source' }, e.ip ? el('span', { className: 'mono ip', title: e.userAgent || null }, e.ip) : null,
          e.userAgent ? el('span', { className: 'ua muted' }, e.userAgent) : null),
        cell('colSeq', { className: 'seq' }, String(e.seq))));
    });
    var st = YJ.$('#result-status');
    if (!rows.length) YJ.status(st, t('noEvents'));
    else YJ.status(st, next ? t('shownMore', rows.length) : t('shown', rows.length));
    YJ.$('#more').hidden = !next;
    lookUpCases();
  }

  // lookUpCases reads the 案号 of the cases the records name (an auditor
  // may read any case), once each, and shows it in place of the id.
  function lookUpCases() {
    var ids = {};
    rows.forEach(function (e) { if (e.caseId && !(e.caseId in caseNos)) ids[e.caseId] = true; });
    Object.keys(ids).forEach(function (id) {
      caseNos[id] = '';
      YJ.api('GET', '/cases/' + encodeURIComponent(id)).then(function (cs) {
        if (!cs || !cs.caseNo) return;
        caseNos[id] = cs.caseNo;
        document.querySelectorAll('#events [data-case="' + CSS.escape(id) + '"]').forEach(function (n) {
          n.textContent = cs.caseNo;
          n.className = 'case-no';
        });
      }, function () { /* an id without a case stays an id */ });
    });
  }

  // clearRows empties the table: results of another query must not stand
  // under a search that was not run.
  function clearRows() {
    rows = [];
    next = '';
    YJ.clear(YJ.$('#events tbody'));
    YJ.$('#more').hidden = true;
  }

  function fetchPage(q, cursor) {
    var p = new URLSearchParams(q);
    p.set('order', 'desc');
    p.set('limit', String(PAGE));
    if (cursor) p.set('cursor', cursor);
    return YJ.api('GET', '/audit/events?' + p.toString());
  }

  function refused(form, err) {
    clearRows();
    YJ.showProblems(form, err);
    YJ.status(YJ.$('#result-status'), t('notSearched'), 'error');
    var bad = form.querySelector('[aria-invalid=true]');
    if (bad) bad.focus();
  }

  function search(ev) {
    if (ev) ev.preventDefault();
    var form = YJ.$('#filter');
    YJ.clearProblems(form);
    var q;
    try { q = filterQuery().toString(); } catch (e) { refused(form, e); return; }
    var btn = YJ.$('#search');
    btn.disabled = true;
    fetchPage(q, '').then(function (page) {
      query = q;
      rows = (page && page.events) || [];
      next = (page && page.next) || '';
      renderRows();
    }, function (err) {
      refused(form, err);
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

  // ---- export -----------------------------------------------------------------------
  // exportLog saves what the filter selects, every record (not only the
  // pages shown), as the API writes it: CSV in Chinese and Beijing time
  // with the machine fields after, or NDJSON exactly as stored.
  function exportLog(format, btn) {
    var form = YJ.$('#filter');
    YJ.clearProblems(form);
    var q;
    try { q = filterQuery(); } catch (e) { refused(form, e); return; }
    q.set('format', format);
    var st = YJ.$('#result-status');
    btn.disabled = true;
    YJ.status(st, t('exporting'));
    fetch(YJ.apiBase + '/audit/export?' + q.toString(), { headers: { 'Accept': 'text/csv, application/x-ndjson, application/json' }, cache: 'no-store' }).then(function (resp) {
      if (!resp.ok) {
        return resp.json().catch(function () { return null; }).then(function (body) { throw new YJ.ApiError(resp.status, body); });
      }
      var m = /filename="([^"]+)"/.exec(resp.headers.get('Content-Disposition') || '');
      var name = m ? m[1] : 'yuejuan-audit.' + format;
      return resp.blob().then(function (blob) {
        var url = URL.createObjectURL(blob);
        var a = el('a', { href: url, download: name, hidden: true });
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 10000);
        YJ.status(st, t('exported', name), 'ok');
      });
    }).catch(function (err) {
      if (err instanceof YJ.ApiError) refused(form, err);
      else YJ.status(st, t('networkError'), 'error');
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
    YJ.$('#export').addEventListener('click', function () { exportLog('csv', YJ.$('#export')); });
    YJ.$('#export-ndjson').addEventListener('click', function () { exportLog('ndjson', YJ.$('#export-ndjson')); });
    YJ.$('#verify').addEventListener('click', verify);
    search();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
