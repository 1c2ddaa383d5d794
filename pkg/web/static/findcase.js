// findcase.js: on the lawyer's application form, the way to the case
// without its number: choose the procuratorate, give the client's whole
// name (and, if it helps, words of the case's name), pick the case found;
// its number goes into 案号 and the name into 委托人. Searches that find
// nothing are limited per lawyer (the server says when to try again).
(function () {
  'use strict';
  YJ.addMessages({
    findOpen: ['不知道案号？按检察院和当事人姓名查找', 'No case number? Find the case by procuratorate and client\'s name'],
    findUnit: ['办案检察院', 'Procuratorate'],
    findUnitPick: ['请选择', 'Choose'],
    findDefendant: ['犯罪嫌疑人/被告人姓名（完整）', 'Suspect\'s or defendant\'s full name'],
    findTitle: ['案件名称中的字词（可不填）', 'Words of the case name (optional)'],
    findGo: ['查找', 'Find'],
    findNone: ['未找到：请核对检察院和姓名（须为完整姓名），或向办案检察院询问案号。', 'Nothing found: check the procuratorate and the full name, or ask the procuratorate for the case number.'],
    findUse: ['选用', 'Use this case'],
    findUsed: ['已填入案号 {0}', 'Case number {0} filled in'],
    findFound: ['找到 {0} 件案件', '{0} case(s) found'],
    findNoUnits: ['暂无可选的检察院', 'No procuratorate to choose from yet'],
    findStage_investigation: ['侦查', 'Investigation'],
    findStage_arrest_review: ['审查逮捕', 'Arrest review'],
    findStage_prosecution_review: ['审查起诉', 'Prosecution review'],
    findStage_trial: ['审判', 'Trial'],
    findStage_closed: ['已结案', 'Closed']
  });
  var el = YJ.el, t = YJ.t;

  function start() {
    var open = YJ.$('#find-open');
    var box = YJ.$('#find-case');
    if (!open || !box) return;
    var unit = YJ.$('#find-unit'), who = YJ.$('#find-defendant'), title = YJ.$('#find-title');
    var go = YJ.$('#find-go'), out = YJ.$('#find-results'), status = YJ.$('#find-status');
    var unitsLoaded = false;

    function loadUnits() {
      if (unitsLoaded) return;
      YJ.api('GET', '/units').then(function (data) {
        unitsLoaded = true;
        var keep = unit.value;
        YJ.clear(unit);
        unit.appendChild(el('option', { value: '' }, t('findUnitPick')));
        var us = (data && data.units) || [];
        us.forEach(function (u) { unit.appendChild(el('option', { value: u }, u)); });
        if (keep) unit.value = keep;
        if (!us.length) YJ.status(status, t('findNoUnits'), 'error');
      }, function (err) { YJ.status(status, err.message, 'error'); });
    }

    function find() {
      YJ.clear(out);
      YJ.status(status, '');
      var form = box;
      YJ.clearProblems(form);
      go.disabled = true;
      var q = '?unit=' + encodeURIComponent(unit.value) + '&defendant=' + encodeURIComponent(who.value) + '&title=' + encodeURIComponent(title.value);
      YJ.api('GET', '/cases/find' + q).then(function (data) {
        var hits = (data && data.cases) || [];
        if (!hits.length) {
          YJ.status(status, t('findNone'), 'error');
          return;
        }
        YJ.status(status, t('findFound', hits.length), 'ok');
        hits.forEach(function (h) {
          var use = el('button', { type: 'button', className: 'secondary small' }, t('findUse'));
          use.addEventListener('click', function () {
            YJ.$('#caseNo').value = h.caseNo;
            if (!YJ.$('#client').value) YJ.$('#client').value = who.value.replace(/[\s\u3000]+/g, '');
            YJ.status(status, t('findUsed', h.caseNo), 'ok');
            YJ.clear(out);
            box.hidden = true;
            open.setAttribute('aria-expanded', 'false');
            YJ.$('#caseNo').focus();
          });
          out.appendChild(el('li', null,
            el('span', { className: 'mono' }, h.caseNo), ' ',
            el('span', null, h.title), ' ',
            el('span', { className: 'muted' }, h.unit + ' · ' + t('findStage_' + h.stage)), ' ', use));
        });
      }, function (err) {
        YJ.showProblems(form, err);
        if (!err.problems || !err.problems.length) YJ.status(status, err.message, 'error');
      }).finally(function () { go.disabled = false; });
    }

    open.addEventListener('click', function () {
      box.hidden = !box.hidden;
      open.setAttribute('aria-expanded', String(!box.hidden));
      if (!box.hidden) {
        loadUnits();
        unit.focus();
      }
    });
    go.addEventListener('click', find);
    // Enter in the search fields searches; it must not submit the
    // application (the fields sit inside its form, so the form's implicit
    // submission is caught before the application's handler sees it).
    [who, title].forEach(function (n) {
      n.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter') { ev.preventDefault(); find(); }
      });
    });
    document.addEventListener('submit', function (ev) {
      if (box.contains(document.activeElement)) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
      }
    }, true);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
