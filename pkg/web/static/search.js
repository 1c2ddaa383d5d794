// search.js: on the lawyer's page, search inside a ready dossier: the
// recognised text of the version her link is of, each page found named by
// its printed identifier (卷1-0013, as on the page and in the 卷内目录), its
// document and the text around the words. The card shows only while she
// has a ready dossier.
(function () {
  'use strict';
  YJ.addMessages({
    searchTitle: ['卷宗内检索', 'Search the dossier'],
    searchIntro: ['在已生成的卷宗文字中查找人名、号码或词句。结果按页码标识（如 卷1-0013）列出，可在下载的卷宗中按该标识翻到对应页。', 'Find a name, number or phrase in the text of your dossier. Each page found is named by its identifier (e.g. 卷1-0013), printed on the page of the downloaded dossier.'],
    searchApp: ['卷宗', 'Dossier'],
    searchQ: ['查找内容', 'Find'],
    searchGo: ['检索', 'Search'],
    searchFound: ['在 {0} 页中找到（第 {1} 版卷宗）', 'Found on {0} page(s) (dossier version {1})'],
    searchMore: ['结果较多，仅列出前 100 页，请输入更具体的字词。', 'Only the first 100 pages are listed: search for something more specific.'],
    searchNone: ['未找到“{0}”。', '"{0}" was not found.'],
    searchUnread: ['另有 {0} 页没有可检索的文字（未能识别），请在卷宗中查看。', '{0} page(s) have no searchable text: read them in the dossier.']
  });
  var el = YJ.el, t = YJ.t;

  function start() {
    var card = YJ.$('#search-card');
    if (!card) return;
    var sel = YJ.$('#search-app'), q = YJ.$('#search-q'), go = YJ.$('#search-go');
    var status = YJ.$('#search-status'), out = YJ.$('#search-results');
    var lastReady = '';

    function loadApps() {
      YJ.api('GET', '/applications').then(function (data) {
        var ready = ((data && data.applications) || []).filter(function (a) { return a.status === 'ready'; });
        var key = ready.map(function (a) { return a.id; }).join(',');
        if (key === lastReady) return;
        lastReady = key;
        var keep = sel.value;
        YJ.clear(sel);
        ready.forEach(function (a) {
          sel.appendChild(el('option', { value: a.id }, a.caseNo + (a.caseTitle ? ' ' + a.caseTitle : '')));
        });
        if (keep && ready.some(function (a) { return a.id === keep; })) sel.value = keep;
        card.hidden = ready.length === 0;
      }, function () { /* the card stays as it was */ });
    }

    function mark(snippet, words) {
      var plain = words.replace(/[\s\u3000]+/g, '').toLowerCase();
      var i = plain ? snippet.toLowerCase().indexOf(plain) : -1;
      if (i < 0) return [snippet];
      return [snippet.slice(0, i), el('mark', null, snippet.slice(i, i + plain.length)), snippet.slice(i + plain.length)];
    }

    function search() {
      YJ.clearProblems(card);
      YJ.clear(out);
      YJ.status(status, '');
      if (!sel.value) return;
      go.disabled = true;
      var words = q.value;
      YJ.api('GET', '/applications/' + encodeURIComponent(sel.value) + '/search?q=' + encodeURIComponent(words)).then(function (r) {
        var hits = (r && r.hits) || [];
        var lines = [hits.length ? t('searchFound', hits.length, r.version) : t('searchNone', words.trim())];
        if (r.more) lines.push(t('searchMore'));
        if (r.unread) lines.push(t('searchUnread', r.unread));
        YJ.status(status, lines.join(' '), hits.length ? 'ok' : '');
        hits.forEach(function (h) {
          out.appendChild(el('li', null,
            el('div', null, el('strong', { className: 'mono' }, h.page), ' ', el('span', { className: 'muted' }, h.title)),
            el.apply(null, ['div', { className: 'quote' }].concat(mark(h.snippet, words)))));
        });
      }, function (err) {
        YJ.showProblems(card, err);
        if (!err.problems || !err.problems.length) YJ.status(status, err.message, 'error');
      }).finally(function () { go.disabled = false; });
    }

    go.addEventListener('click', search);
    q.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter') { ev.preventDefault(); search(); }
    });
    loadApps();
    setInterval(function () { if (!document.hidden) loadApps(); }, 8000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
