// versions.js: the dossier's versions (docs/versions.md). On the lawyer's
// page, for each of her applications that has had a copy: every version of
// the case with what it added, replaced and removed (volume, title, pages,
// page identifiers), which version her copy is, and the download of her
// current version's supplement. On the clerk's page: the versions of a case
// of the unit, chosen from a list. Everything from the server goes in as
// text.
'use strict';

(function () {
  var YJ = window.YJ;
  var t = YJ.t, el = YJ.el;
  YJ.addMessages({
    versionsTitle: ['卷宗版本', 'Dossier versions'],
    navVersions: ['卷宗版本', 'Versions'],
    versionsIntroLawyer: ['案件材料有增加、替换或撤出时，卷宗会生成新版本，并通知您下载新版完整卷宗和补充材料。每页右上角的页码标识（如 卷1-0003）在各版本中保持不变，可用于引用。',
      'When a case\'s materials are added, replaced or removed, the dossier gets a new version and you are told to download the new full copy and a supplement. The page identifier at the top right of every page (e.g. 卷1-0003) stays the same in every version, for citing.'],
    versionsIntroClerk: ['卷宗生成后，材料的增加、替换、撤出会生成新版本，并通知所有阅卷链接仍有效的律师。选择案件查看其版本和变更清单。',
      'Once a dossier exists, materials added, replaced or removed make a new version, and every lawyer whose link is live is told. Choose a case to see its versions and change lists.'],
    versionsCase: ['案件', 'Case'],
    versionsShow: ['查看版本', 'Show versions'],
    versionsNone: ['暂无卷宗版本（卷宗尚未生成）。', 'No dossier version yet (no dossier has been built).'],
    versionsNoCases: ['本单位暂无案件。', 'Your unit has no cases yet.'],
    versionN: ['第 {0} 版', 'Version {0}'],
    versionMeta: ['生成于 {0}（北京时间） · 共 {1} 页 · {2} 件', 'Built {0} (Beijing time) · {1} pages · {2} documents'],
    versionContent: ['材料版本 {0}', 'content version {0}'],
    versionFirst: ['首个版本', 'First version'],
    versionYours: ['您当前的卷宗', 'Your current copy'],
    chAdded: ['新增', 'Added'],
    chReplaced: ['替换', 'Replaced'],
    chRemoved: ['撤出', 'Removed'],
    chItem: ['第 {0} 卷《{1}》，{2} 页，页码标识 {3}', 'Volume {0}, “{1}”, {2} page(s), identifiers {3}'],
    chReplacedOf: ['（替换原 {0}）', ' (in place of {0})'],
    chRetired: ['（页码标识保留，不再使用）', ' (identifiers retired, never reused)'],
    chNone: ['文件未增减，仅调整了标题或顺序。', 'No documents added or removed: titles or order changed.'],
    versionDecision: ['本次更新前的程序性决定：{0}（{1}，北京时间）', 'Procedural decision before this version: {0} ({1}, Beijing time)'],
    supplementDownload: ['下载补充材料', 'Download the supplement'],
    supplementInfo: ['第 {0} 版新增、替换的文件，页码标识与完整卷宗一致。链接有效至 {1}（北京时间），还可下载 {2} 次', 'Documents added or replaced in version {0}, with the full copy\'s identifiers. Link valid until {1} (Beijing time); {2} download(s) left'],
    versionsFor: ['案号 {0}', 'Case {0}'],
    nk_dossier_version: ['电子卷宗已更新', 'Dossier updated']
  });

  function changeList(v) {
    var box = el('div', { className: 'changes' });
    if (v.version === 1 && !v.added.length && !v.replaced.length && !v.removed.length) {
      box.appendChild(el('p', { className: 'muted' }, t('versionFirst')));
      return box;
    }
    var groups = [['chAdded', v.added, ''], ['chReplaced', v.replaced, 'replaced'], ['chRemoved', v.removed, 'removed']];
    var any = false;
    groups.forEach(function (g) {
      if (!g[1].length) return;
      any = true;
      var ul = el('ul', { className: 'change-items' });
      g[1].forEach(function (c) {
        var text = t('chItem', c.volume, c.title, c.pages, c.ids);
        if (g[2] === 'replaced' && c.replacedIds) text += t('chReplacedOf', c.replacedIds);
        if (g[2] === 'removed') text += t('chRetired');
        ul.appendChild(el('li', null, text));
      });
      box.appendChild(el('div', { className: 'change-group change-' + g[0] },
        el('h4', null, t(g[0]) + ' ' + g[1].length), ul));
    });
    if (!any) box.appendChild(el('p', { className: 'muted' }, t('chNone')));
    return box;
  }

  function versionList(data, clerk) {
    var vs = (data && data.versions) || [];
    if (!vs.length) return el('p', { className: 'muted' }, t('versionsNone'));
    var ol = el('ul', { className: 'items compact versions' });
    vs.forEach(function (v) {
      var head = el('div', { className: 'item-head' }, el('h3', null, t('versionN', v.version)));
      if (v.current) head.appendChild(el('span', { className: 'badge' }, t('versionYours')));
      var meta = t('versionMeta', YJ.fmtTime(v.builtAt), v.pages, v.documents);
      if (clerk && v.contentVersion) meta += ' · ' + t('versionContent', v.contentVersion);
      var li = el('li', { className: 'version', 'data-version': String(v.version) }, head, el('div', { className: 'kv muted' }, meta));
      (v.decisions || []).forEach(function (d) {
        li.appendChild(el('div', { className: 'kv decision' }, t('versionDecision', d.label, YJ.fmtTime(d.at))));
      });
      li.appendChild(changeList(v));
      ol.appendChild(li);
    });
    return ol;
  }

  // ---- the lawyer --------------------------------------------------------
  function lawyerPanel(card) {
    var list = YJ.$('#versions');
    var st = YJ.$('#versions-status');
    var last = '';
    function load() {
      return YJ.api('GET', '/applications').then(function (data) {
        var apps = ((data && data.applications) || []).filter(function (a) {
          return a.status === 'ready' || a.status === 'expired';
        });
        return Promise.all(apps.map(function (a) {
          return YJ.api('GET', '/applications/' + encodeURIComponent(a.id) + '/versions').then(function (d) { return { app: a, data: d }; });
        }));
      }).then(function (rows) {
        rows = rows.filter(function (r) { return r.data && r.data.versions && r.data.versions.length; });
        var j = JSON.stringify(rows.map(function (r) { return [r.app.id, r.data]; }));
        if (j === last) return;
        last = j;
        YJ.status(st, '');
        YJ.clear(list);
        card.hidden = !rows.length;
        rows.forEach(function (r) {
          var li = el('li', { className: 'item', 'data-app': r.app.id },
            el('div', { className: 'item-head' }, el('h3', null, t('versionsFor', r.app.caseNo))));
          var sup = r.data.supplement;
          if (sup) {
            var cur = r.data.versions.filter(function (v) { return v.current; })[0];
            li.appendChild(el('div', { className: 'actions' },
              el('a', { className: 'button download supplement', href: sup.url, rel: 'noopener noreferrer' }, '⬇ ' + t('supplementDownload'))));
            li.appendChild(el('div', { className: 'kv muted' }, t('supplementInfo', cur ? cur.version : '', YJ.fmtTime(sup.expiresAt), sup.downloadsLeft)));
          }
          li.appendChild(versionList(r.data, false));
          list.appendChild(li);
        });
      }).catch(function (e) { YJ.status(st, e.message, 'error'); });
    }
    load();
    var refresh = YJ.$('#refresh');
    if (refresh) refresh.addEventListener('click', load);
    setInterval(function () { if (!document.hidden) load(); }, 15000);
    YJ.onLang(function () { last = ''; load(); });
  }

  // ---- the clerk ---------------------------------------------------------
  function clerkPanel() {
    var form = YJ.$('#versions-form');
    var sel = YJ.$('#versions-case');
    var out = YJ.$('#versions');
    var st = YJ.$('#versions-status');
    var shown = '';
    function cases() {
      return YJ.api('GET', '/cases').then(function (data) {
        var cs = (data && data.cases) || [];
        var keep = sel.value;
        YJ.clear(sel);
        if (!cs.length) {
          sel.appendChild(el('option', { value: '' }, t('versionsNoCases')));
          return;
        }
        cs.forEach(function (c) { sel.appendChild(el('option', { value: c.id }, c.caseNo + ' ' + (c.title || ''))); });
        if (keep) sel.value = keep;
      }).catch(function (e) { YJ.status(st, e.message, 'error'); });
    }
    function show(id) {
      if (!id) return Promise.resolve();
      return YJ.api('GET', '/cases/' + encodeURIComponent(id) + '/versions').then(function (data) {
        shown = id;
        YJ.status(st, '');
        YJ.clear(out);
        out.appendChild(versionList(data, true));
      }).catch(function (e) { YJ.status(st, e.message, 'error'); });
    }
    form.addEventListener('submit', function (ev) { ev.preventDefault(); show(sel.value); });
    sel.addEventListener('focus', function () { if (!sel.options.length || sel.value === '') cases(); });
    cases();
    YJ.onLang(function () { if (shown) show(shown); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var card = YJ.$('#versions-card');
    if (!card) return;
    // The page's own script translated the page before these messages
    // were added: the card and its link in the page's menu again.
    YJ.applyI18n(card);
    document.querySelectorAll('a[href="#versions-card"]').forEach(function (a) { YJ.applyI18n(a.parentNode); });
    if (card.getAttribute('data-role') === 'clerk') clerkPanel();
    else lawyerPanel(card);
  });
})();
