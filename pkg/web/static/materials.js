// materials.js: the clerk page's cases and their materials — the unit's
// cases, scans uploaded by volume in paper-file order with per-file progress
// and the checker's verdict, the 卷内目录 preview, the applications held for
// undecided materials, and registering a case. clerk.js starts it and is
// told when the case list changes (its case-work section shares the list).
'use strict';

(function () {
  var YJ = window.YJ;
  var t = YJ.t, el = YJ.el;
  YJ.addMessages({
    uploadTitle: ['上传卷宗扫描件', 'Upload scanned volumes'],
    volume: ['卷号', 'Volume no.'],
    volumeTitle: ['卷名', 'Volume title'],
    volumeTitlePh: ['如：诉讼文书卷、证据卷', 'e.g. procedural documents, evidence'],
    dropHere: ['将扫描件（PDF、JPEG、PNG、TIFF）拖到此处，或选择文件', 'Drop scans (PDF, JPEG, PNG, TIFF) here, or choose files'],
    orderHint: ['按纸质卷宗顺序排列：拖动 ⠿ 或用 ↑ ↓ 调整顺序，顺序号即卷内目录中的顺序。文件标题将写入卷内目录。',
      'Put the files in paper-file order: drag ⠿ or use ↑ ↓. The number is the position in the volume index; the title goes into it.'],
    uploadStart: ['开始上传', 'Upload'],
    uploadClear: ['清除已完成', 'Clear finished'],
    moveUp: ['上移', 'Move up'],
    moveDown: ['下移', 'Move down'],
    remove: ['移除', 'Remove'],
    docTitle: ['文件标题', 'Document title'],
    queued: ['待上传', 'Ready to upload'],
    processing: ['已上传，正在检查…', 'Uploaded; checking…'],
    accepted: ['✓ 已接收，{0} 页', '✓ Accepted, {0} page(s)'],
    decrypted: ['原文件设有权限密码（限制打印、复制），已解除', 'The file had an owner password (printing, copying restricted); removed'],
    repaired: ['原文件有可修复的格式问题，已修复，请核对：{0}', 'The file had format problems that were repaired; please check it: {0}'],
    rejected: ['✗ 已退回：{0}', '✗ Rejected: {0}'],
    pickCase: ['请先选择案件', 'Choose a case first'],
    noFiles: ['请先选择或拖入要上传的文件', 'Choose or drop the files to upload first'],
    checkTimeout: ['检查时间较长，请稍后刷新查看结果', 'Checking takes a while; look again later'],
    tocTitle: ['卷内目录预览（已接收的材料按此顺序装订）', 'Volume index preview (accepted files are bound in this order)'],
    tocEmpty: ['本案尚无材料。', 'No materials yet.'],
    heldTitle: ['{0} 份已许可的阅卷申请暂缓生成阅卷材料，等待以下材料处理完毕：', '{0} approved application(s) wait for these materials before the dossier is built:'],
    heldItem: ['第 {0} 卷第 {1} 号《{2}》（{3}）：{4}', 'Volume {0} no. {1} “{2}” ({3}): {4}'],
    heldLawyers: ['申请律师：{0}', 'Lawyers: {0}'],
    ms_unfinished: ['结果登记中', 'Verdict being recorded'],
    volHeading: ['第 {0} 卷 {1}', 'Volume {0} {1}'],
    colSeq: ['序号', 'No.'],
    colTitle: ['标题', 'Title'],
    colFile: ['文件', 'File'],
    colStatus: ['状态', 'Status'],
    colPages: ['页数', 'Pages'],
    colReason: ['说明', 'Note'],
    caseTitle: ['登记案件', 'Register a case'],
    caseNo: ['案号', 'Case no.'],
    caseName: ['案件名称', 'Case title'],
    defendants: ['犯罪嫌疑人/被告人（每行一人，或以顿号分隔）', 'Suspects / defendants (one per line, or separated by commas)'],
    handlerName: ['承办人姓名', 'Case handler'],
    handlerPhone: ['承办人电话', 'Handler\'s phone'],
    onlineReview: ['开通互联网阅卷', 'Open to internet review'],
    exclusions: ['不宜网上阅卷的情形（如有，律师的申请将被告知到现场阅卷）', 'Reasons against internet review (if any, lawyers are sent to on-site review)'],
    ex_state_secrets: ['涉及国家秘密', 'State secrets'],
    ex_minor: ['涉及未成年人', 'Minors'],
    ex_co_offenders_at_large: ['有同案犯在逃', 'Co-offenders at large'],
    ex_witness_protection: ['涉及证人保护', 'Witness protection'],
    ex_other: ['其他情形', 'Other'],
    register: ['登记', 'Register'],
    registered: ['已登记案件 {0}。现在可以上传扫描件。', 'Registered case {0}. You can upload its scans now.']

  });

  // ---- cases ----------------------------------------------------------------
  var cases = [];
  var materials = [];

  function currentCase() { return YJ.$('#case-select').value; }

  function loadCases(selectID) {
    return YJ.api('GET', '/cases').then(function (data) {
      cases = (data && data.cases) || [];
      var sel = YJ.$('#case-select');
      var keep = selectID || sel.value;
      YJ.clear(sel);
      if (!cases.length) {
        sel.appendChild(el('option', { value: '' }, t('noCases')));
      }
      cases.forEach(function (k) {
        sel.appendChild(el('option', { value: k.id }, k.caseNo + ' ' + k.title));
      });
      if (keep && cases.some(function (k) { return k.id === keep; })) sel.value = keep;
      return Promise.all([loadMaterials(), onCases(selectID)]);
    }, function (err) {
      YJ.status(YJ.$('#toc-status'), err.message, 'error');
    });
  }

  function loadMaterials() {
    var id = currentCase();
    if (!id) {
      materials = [];
      renderTOC();
      renderFiles();
      return Promise.resolve();
    }
    return Promise.all([YJ.api('GET', '/cases/' + encodeURIComponent(id) + '/materials').then(function (data) {
      if (id !== currentCase()) return;
      materials = (data && data.materials) || [];
      YJ.status(YJ.$('#toc-status'), '');
      renderTOC();
      renderFiles();
    }, function (err) {
      YJ.status(YJ.$('#toc-status'), err.message, 'error');
    }), loadHeld(id)]);
  }

  // Approved applications of the case whose dossier waits for materials not
  // yet decided (the application's hold): why, and for which materials.
  function loadHeld(id) {
    return YJ.api('GET', '/applications').then(function (data) {
      if (id !== currentCase()) return;
      renderHeld(((data && data.applications) || []).filter(function (a) {
        return a.caseId === id && a.status === 'approved' && a.hold;
      }));
    }, function () { renderHeld([]); });
  }

  function renderHeld(held) {
    var box = YJ.$('#held');
    if (!box) return;
    YJ.clear(box);
    box.hidden = !held.length;
    if (!held.length) return;
    var h = held[held.length - 1].hold;
    box.appendChild(el('strong', null, t('heldTitle', held.length)));
    var ul = el('ul');
    (h.materials || []).forEach(function (m) {
      var st = m.status === 'accepted' || m.status === 'rejected' ? 'unfinished' : m.status;
      ul.appendChild(el('li', { 'data-id': m.id }, t('heldItem', m.volume, m.seq, m.title, m.filename, t('ms_' + st))));
    });
    box.appendChild(ul);
    box.appendChild(el('p', { className: 'muted' }, YJ.apiText(h.reason)));
    box.appendChild(el('p', { className: 'muted' }, t('heldLawyers', held.map(function (a) {
      return (a.lawyer && a.lawyer.name) || '';
    }).join('、'))));
  }

  function renderTOC() {
    var box = YJ.$('#toc');
    YJ.clear(box);
    if (!materials.length) {
      box.appendChild(el('p', { className: 'muted' }, t('tocEmpty')));
      return;
    }
    var sorted = materials.slice().sort(function (x, y) { return x.volume - y.volume || x.seq - y.seq; });
    var vols = [];
    sorted.forEach(function (m) {
      var v = vols[vols.length - 1];
      if (!v || v.no !== m.volume) vols.push(v = { no: m.volume, title: m.volumeTitle || '', items: [] });
      if (!v.title && m.volumeTitle) v.title = m.volumeTitle;
      v.items.push(m);
    });
    vols.forEach(function (v) {
      box.appendChild(el('h3', null, t('volHeading', v.no, v.title)));
      var tb = el('tbody');
      v.items.forEach(function (m) {
        tb.appendChild(el('tr', { 'data-id': m.id, 'data-status': m.status },
          el('td', { className: 'nowrap' }, m.seq),
          el('td', null, m.title),
          el('td', { className: 'mono' }, m.filename),
          el('td', { className: 'nowrap' }, el('span', { className: 'status status-' + m.status }, t('ms_' + m.status))),
          el('td', null, m.pages ? String(m.pages) : ''),
          el('td', { className: 'reason' }, m.reason ? YJ.apiText(m.reason) : [m.decrypted ? t('decrypted') : '', m.repaired && m.repaired.length ? t('repaired', m.repaired.join('; ')) : ''].filter(Boolean).join(' '))));
      });
      box.appendChild(el('div', { className: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('volHeading', v.no, v.title) }, el('table', null,
        el('thead', null, el('tr', null, el('th', null, t('colSeq')), el('th', null, t('colTitle')), el('th', null, t('colFile')),
          el('th', null, t('colStatus')), el('th', null, t('colPages')), el('th', null, t('colReason')))),
        tb)));
    });
  }

  // ---- the upload list --------------------------------------------------------
  // items are the files of this batch in order; phase is queued, uploading,
  // processing, accepted, rejected or failed. Only queued and failed items
  // move and upload.
  var items = [];
  var nextKey = 1;
  var busy = false;
  // Files chosen and not yet sent, or on their way: leaving asks first.
  YJ.unsaved(function () {
    return items.some(function (it) { return it.phase === 'queued' || it.phase === 'uploading' || it.phase === 'failed'; });
  });

  function volumeNo() { return parseInt(YJ.$('#volume').value, 10) || 0; }

  function maxSeq(vol) {
    var m = 0;
    materials.forEach(function (x) { if (x.volume === vol && x.seq > m) m = x.seq; });
    items.forEach(function (x) { if (x.seq && x.volume === vol && x.seq > m) m = x.seq; });
    return m;
  }

  function movable(it) { return it.phase === 'queued' || it.phase === 'failed'; }

  function addFiles(list) {
    Array.prototype.forEach.call(list, function (f) {
      items.push({ key: nextKey++, file: f, title: f.name.replace(/\.[^.]+$/, ''), phase: 'queued', progress: 0, message: '' });
    });
    renderFiles();
  }

  function move(key, delta) {
    var i = items.findIndex(function (x) { return x.key === key; });
    var j = i + delta;
    if (i < 0 || j < 0 || j >= items.length) return;
    var tmp = items[i]; items[i] = items[j]; items[j] = tmp;
    renderFiles();
    var btn = YJ.$('#files li[data-key="' + key + '"] .' + (delta < 0 ? 'up' : 'down'));
    if (btn && !btn.disabled) btn.focus();
  }

  function moveBefore(key, targetKey, after) {
    var i = items.findIndex(function (x) { return x.key === key; });
    if (i < 0 || key === targetKey) return;
    var it = items.splice(i, 1)[0];
    var j = items.findIndex(function (x) { return x.key === targetKey; });
    if (j < 0) { items.push(it); } else { items.splice(after ? j + 1 : j, 0, it); }
    renderFiles();
  }

  function pendingSeqs() {
    // The seq each movable item will get, in the list's order.
    var vol = volumeNo();
    var base = maxSeq(vol);
    var seqs = {};
    items.forEach(function (it) { if (movable(it)) seqs[it.key] = ++base; });
    return seqs;
  }

  var dragKey = null;

  function renderFiles() {
    var ol = YJ.$('#files');
    YJ.clear(ol);
    var seqs = pendingSeqs();
    items.forEach(function (it, idx) {
      var can = movable(it) && !busy;
      var li = el('li', { 'data-key': it.key, 'data-phase': it.phase, draggable: can ? 'true' : null });
      var seq = movable(it) ? seqs[it.key] : it.seq;
      li.appendChild(el('span', { className: 'lead' },
        el('span', { className: 'handle', 'aria-hidden': 'true' }, can ? '⠿' : '·'),
        el('span', { className: 'seq' }, seq ? String(seq) : '')));
      var input = el('input', { type: 'text', className: 'title-input', value: it.title, 'aria-label': t('docTitle'), disabled: !can });
      input.addEventListener('input', function () { it.title = input.value; });
      li.appendChild(input);
      var up = el('button', { type: 'button', className: 'small secondary up', 'aria-label': t('moveUp'), title: t('moveUp'), disabled: !can || idx === 0 }, '↑');
      var down = el('button', { type: 'button', className: 'small secondary down', 'aria-label': t('moveDown'), title: t('moveDown'), disabled: !can || idx === items.length - 1 }, '↓');
      var rm = el('button', { type: 'button', className: 'small secondary remove', 'aria-label': t('remove'), title: t('remove'), disabled: busy || it.phase === 'uploading' || it.phase === 'processing' }, '✕');
      up.addEventListener('click', function () { move(it.key, -1); });
      down.addEventListener('click', function () { move(it.key, 1); });
      rm.addEventListener('click', function () {
        items = items.filter(function (x) { return x.key !== it.key; });
        renderFiles();
      });
      li.appendChild(el('span', { className: 'moves' }, up, down, rm));
      li.appendChild(el('div', { className: 'meta' }, it.file.name + ' · ' + YJ.fmtSize(it.file.size)));
      var state = el('div', { className: 'progress' });
      if (it.phase === 'uploading') {
        state.appendChild(el('progress', { max: '100', value: String(it.progress) }));
        state.appendChild(el('div', { className: 'file-state' }, t('uploading', it.progress)));
      } else {
        var text = {
          queued: t('queued'), processing: t('processing'),
          accepted: t('accepted', it.pages || 0), rejected: t('rejected', YJ.apiText(it.message || '')),
          failed: '✗ ' + t('uploadFailed', it.message || '')
        }[it.phase];
        var cls = it.phase === 'accepted' ? 'ok' : (it.phase === 'rejected' || it.phase === 'failed' ? 'bad' : '');
        if (it.phase === 'processing') state.appendChild(el('progress', { max: '100', value: '100' }));
        state.appendChild(el('div', { className: 'file-state ' + cls }, text));
      }
      li.appendChild(state);
      if (can) {
        li.addEventListener('dragstart', function (ev) {
          dragKey = it.key;
          li.classList.add('dragging');
          ev.dataTransfer.effectAllowed = 'move';
          ev.dataTransfer.setData('text/plain', String(it.key));
        });
        li.addEventListener('dragend', function () { dragKey = null; li.classList.remove('dragging'); });
      }
      li.addEventListener('dragover', function (ev) {
        if (dragKey === null || !movable(it)) return;
        ev.preventDefault();
        li.classList.add('drop-before');
      });
      li.addEventListener('dragleave', function () { li.classList.remove('drop-before'); });
      li.addEventListener('drop', function (ev) {
        if (dragKey === null) return;
        ev.preventDefault();
        ev.stopPropagation();
        var r = li.getBoundingClientRect();
        moveBefore(dragKey, it.key, ev.clientY > r.top + r.height / 2);
        dragKey = null;
      });
      ol.appendChild(li);
    });
  }

  // progressOnly updates one row's bar without rebuilding the list.
  function progressOnly(it) {
    var li = YJ.$('#files li[data-key="' + it.key + '"]');
    if (!li) return;
    var bar = li.querySelector('progress');
    var st = li.querySelector('.file-state');
    if (bar) bar.value = it.progress;
    if (st) st.textContent = t('uploading', it.progress);
  }

  function startUpload() {
    var box = YJ.$('#upload-form');
    YJ.clearProblems(box);
    var caseID = currentCase();
    var todo = items.filter(movable);
    if (!caseID) return YJ.showProblems(box, { quiet: true, problems: [{ field: '_', message: t('pickCase') }] });
    if (!todo.length) return YJ.showProblems(box, { quiet: true, problems: [{ field: '_', message: t('noFiles') }] });
    var vol = volumeNo();
    var volTitle = YJ.$('#volume-title').value.trim();
    var seqs = pendingSeqs();
    todo.forEach(function (it) { it.seq = seqs[it.key]; it.volume = vol; });
    busy = true;
    YJ.$('#upload-start').disabled = true;
    renderFiles();
    var chain = Promise.resolve();
    var stop = false;
    todo.forEach(function (it) {
      chain = chain.then(function () {
        if (stop) { it.seq = 0; return; }
        it.phase = 'uploading';
        it.progress = 0;
        renderFiles();
        return YJ.api('POST', '/cases/' + encodeURIComponent(caseID) + '/materials',
          { volume: vol, volumeTitle: volTitle, seq: it.seq, title: it.title.trim(), filename: it.file.name, size: it.file.size }).then(function (m) {
          it.id = m.id;
          return YJ.upload(m.uploadUrl, it.file, function (p) { it.progress = p; progressOnly(it); });
        }).then(function () {
          it.phase = 'processing';
          renderFiles();
        }, function (err) {
          it.phase = 'failed';
          it.message = (err.problems && err.problems.length) ? err.problems.map(function (p) { return YJ.apiText(p.message); }).join('；') : (err.message || String(err));
          if (!it.id) it.seq = 0;
          if (err.problems && err.problems.some(function (p) { return p.field === 'volume'; })) {
            YJ.showProblems(box, err);
            stop = true;
          }
          renderFiles();
        });
      });
    });
    chain.then(function () {
      busy = false;
      YJ.$('#upload-start').disabled = false;
      renderFiles();
      return waitVerdicts(caseID);
    });
  }

  // waitVerdicts polls the case's materials until every uploaded file of
  // the batch is accepted or rejected.
  function waitVerdicts(caseID) {
    var deadline = Date.now() + 180000;
    var round = function () {
      return YJ.api('GET', '/cases/' + encodeURIComponent(caseID) + '/materials').then(function (data) {
        var byID = {};
        ((data && data.materials) || []).forEach(function (m) { byID[m.id] = m; });
        if (caseID === currentCase()) {
          materials = (data && data.materials) || [];
          renderTOC();
        }
        var waiting = false;
        items.forEach(function (it) {
          if (it.phase !== 'processing' || !byID[it.id]) return;
          var m = byID[it.id];
          if (m.status === 'accepted') { it.phase = 'accepted'; it.pages = m.pages; }
          else if (m.status === 'rejected') { it.phase = 'rejected'; it.message = m.reason || ''; }
          else waiting = true;
        });
        renderFiles();
        if (!waiting) return;
        if (Date.now() > deadline) {
          YJ.status(YJ.$('#toc-status'), t('checkTimeout'));
          return;
        }
        return YJ.sleep(700).then(round);
      }, function (err) {
        YJ.status(YJ.$('#toc-status'), err.message, 'error');
      });
    };
    return round();
  }

  function wireDrop() {
    var dz = YJ.$('#dropzone');
    var input = YJ.$('#scan-files');
    input.addEventListener('change', function () {
      addFiles(input.files);
      input.value = '';
    });
    dz.addEventListener('dragover', function (ev) {
      if (dragKey !== null) return; // reordering, not adding files
      ev.preventDefault();
      dz.classList.add('over');
    });
    dz.addEventListener('dragleave', function () { dz.classList.remove('over'); });
    dz.addEventListener('drop', function (ev) {
      dz.classList.remove('over');
      if (dragKey !== null) return;
      ev.preventDefault();
      if (ev.dataTransfer && ev.dataTransfer.files && ev.dataTransfer.files.length) addFiles(ev.dataTransfer.files);
    });
    // Files dropped outside the zone must not replace the page.
    window.addEventListener('dragover', function (ev) { if (dragKey === null) ev.preventDefault(); });
    window.addEventListener('drop', function (ev) { if (dragKey === null) ev.preventDefault(); });
  }

  // ---- register a case ------------------------------------------------------------
  function registerCase(ev) {
    ev.preventDefault();
    var form = YJ.$('#case-form');
    var btn = YJ.$('#case-submit');
    YJ.clearProblems(form);
    YJ.$('#case-ok').hidden = true;
    var exclusions = [];
    form.querySelectorAll('input[name=exclusion]:checked').forEach(function (x) { exclusions.push(x.value); });
    var body = {
      caseNo: YJ.$('#c-caseNo').value.trim(),
      title: YJ.$('#c-title').value.trim(),
      stage: YJ.$('#c-stage').value,
      onlineReview: YJ.$('#c-online').checked,
      exclusions: exclusions,
      handler: { name: YJ.$('#c-handler-name').value.trim(), phone: YJ.$('#c-handler-phone').value.trim() },
      defendants: YJ.$('#c-defendants').value.split(/[\n,，、;；]+/).map(function (s) { return s.trim(); }).filter(Boolean)
    };
    btn.disabled = true;
    YJ.api('POST', '/cases', body).then(function (k) {
      YJ.status(YJ.$('#case-ok'), t('registered', k.caseNo), 'ok');
      form.reset();
      return loadCases(k.id);
    }, function (err) {
      YJ.showProblems(form, err);
    }).finally(function () { btn.disabled = false; });
  }

  // start wires the section; onCases(selectID) runs after every load of the
  // case list, so the page's other sections follow it.
  var onCases = function () { return Promise.resolve(); };
  function start(opts) {
    onCases = (opts && opts.onCases) || onCases;
    YJ.onLang(function () { renderTOC(); renderFiles(); });
    YJ.$('#case-select').addEventListener('change', loadMaterials);
    YJ.$('#volume').addEventListener('input', renderFiles);
    YJ.$('#upload-start').addEventListener('click', startUpload);
    YJ.$('#upload-clear').addEventListener('click', function () {
      items = items.filter(function (x) { return x.phase !== 'accepted' && x.phase !== 'rejected'; });
      renderFiles();
    });
    YJ.$('#case-form').addEventListener('submit', registerCase);
    wireDrop();
    return loadCases();
  }

  // YJ.clerkCases is what clerk.js uses of this section.
  YJ.clerkCases = {
    start: start,
    load: loadCases,
    list: function () { return cases; }
  };
})();
