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
    registered: ['已登记案件 {0}。现在可以上传扫描件。', 'Registered case {0}. You can upload its scans now.'],
    colActions: ['操作', 'Actions'],
    replacesNote: ['替换《{0}》', 'Replaces “{0}”'],
    beingReplaced: ['替换文件待上传或检查中，通过后本材料自动移除', 'A replacement is pending; this one goes once it is accepted'],
    lapsesNote: ['未上传：北京时间 {0} 前未继续上传将自动移除', 'Not uploaded: removed by itself unless resumed before {0} (Beijing time)'],
    mUp: ['上移{0}', 'Move {0} up'],
    mDown: ['下移{0}', 'Move {0} down'],
    mRename: ['改标题', 'Rename'],
    mRenameOf: ['修改{0}的标题', 'Rename {0}'],
    mMove: ['移卷', 'Move'],
    mMoveOf: ['将{0}移至其他卷', 'Move {0} to another volume'],
    mResume: ['继续上传', 'Resume'],
    mResumeOf: ['继续上传{0}', 'Resume the upload of {0}'],
    mReplace: ['替换', 'Replace'],
    mReplaceOf: ['替换{0}', 'Replace {0}'],
    mDelete: ['删除', 'Delete'],
    mDeleteOf: ['删除{0}', 'Delete {0}'],
    mSave: ['保存', 'Save'],
    mNewTitle: ['新标题（写入卷内目录）', 'New title (goes into the volume index)'],
    mToVolume: ['移至第几卷', 'To volume no.'],
    mToVolumeTitle: ['卷名（选填；不填则沿用该卷卷名）', 'Volume title (optional; else that volume\'s)'],
    mVolTitlePh: ['如：证据材料卷', 'e.g. evidence'],
    mMoveGo: ['移动（排在该卷末尾）', 'Move (last in that volume)'],
    mDeleteAsk: ['确认删除第 {0} 卷第 {1} 号《{2}》？', 'Delete volume {0} no. {1} “{2}”?'],
    mDeleteKept: ['已生成的阅卷材料不受影响；此后生成的卷宗将不再包含此材料。', 'Dossiers already made are not changed; those made from now on leave it out.'],
    mDeleteYes: ['确认删除', 'Delete'],
    mReplaceAsk: ['选择新的扫描件替换《{0}》，卷次、顺序号和标题不变。', 'Choose the new scan for “{0}”; its volume, number and title stay.'],
    mReplaceKept: ['新文件检查通过前，原材料仍保留在卷宗中；未通过则原材料不变。', 'The old scan stays in the dossier until the new one is accepted; if it is rejected nothing changes.'],
    mResumeAsk: ['该材料登记后未上传完成。请重新选择原文件 {0}（{1}）继续上传。', 'This material was never uploaded. Choose the file {0} ({1}) again to resume.'],
    mChooseFile: ['选择文件', 'Choose the file'],
    mReplaceGo: ['上传并替换', 'Upload and replace'],
    mResumeGo: ['继续上传', 'Resume upload'],
    mNeedFile: ['请先选择文件', 'Choose a file first'],
    mSizeDiffers: ['所选文件大小为 {0}，与登记时的 {1} 不同，请选择原文件，或删除后重新上传', 'The file is {0}, not the {1} registered: choose the same file, or delete and upload again'],
    renamedOK: ['已将标题改为《{0}》。', 'Renamed to “{0}”.'],
    movedOK: ['已将《{0}》移至第 {1} 卷。', 'Moved “{0}” to volume {1}.'],
    deletedOK: ['已删除《{0}》。', 'Deleted “{0}”.'],
    reorderedOK: ['已将《{0}》调整为第 {1} 号。', '“{0}” is now no. {1}.'],
    resumedOK: ['《{0}》已上传并通过检查，{1} 页。', '“{0}” uploaded and accepted, {1} page(s).'],
    replacedOK: ['《{0}》已替换，新文件 {1} 页。', '“{0}” replaced; the new scan has {1} page(s).'],
    replaceRejected: ['《{0}》的新文件未通过检查：{1}', 'The new scan of “{0}” was rejected: {1}'],
    stagedFor: ['以下待上传文件属于：{0}', 'These files are for: {0}']

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
    switchStaged(id);
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

  // renderTOC shows the case's materials by volume, each row with what the
  // clerk may do to it (materials.go in the service says when): ↑ ↓ within
  // its volume, 改标题, 移卷, and by status 替换 and 删除 (accepted,
  // rejected) or 继续上传 and 删除 (never uploaded). A change opens its
  // form in a row of its own under the material.
  function renderTOC() {
    var box = YJ.$('#toc');
    YJ.clear(box);
    if (!materials.length) {
      box.appendChild(el('p', { className: 'muted' }, t('tocEmpty')));
      return;
    }
    var byID = {};
    materials.forEach(function (m) { byID[m.id] = m; });
    var sorted = materials.slice().sort(function (x, y) { return x.volume - y.volume || x.seq - y.seq || (x.id < y.id ? -1 : 1); });
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
      v.items.forEach(function (m, i) {
        var pending = pendingReplacement(m.id);
        var note = [];
        if (m.reason) note.push(YJ.apiText(m.reason));
        if (m.decrypted) note.push(t('decrypted'));
        if (m.repaired && m.repaired.length) note.push(t('repaired', m.repaired.join('; ')));
        if (m.replaces && byID[m.replaces]) note.push(t('replacesNote', byID[m.replaces].title));
        if (pending) note.push(t('beingReplaced'));
        if (m.status === 'awaiting_upload' && m.lapsesAt) note.push(t('lapsesNote', YJ.fmtTime(m.lapsesAt)));
        var row = el('tr', { 'data-id': m.id, 'data-status': m.status, 'data-seq': m.seq },
          el('td', { className: 'nowrap' }, i + 1),
          el('td', { className: 'm-title' }, m.title),
          el('td', { className: 'mono' }, m.filename),
          el('td', { className: 'nowrap' }, el('span', { className: 'status status-' + m.status }, t('ms_' + m.status))),
          el('td', { className: 'm-pages', 'data-label': t('colPages') }, m.pages ? String(m.pages) : ''),
          el('td', { className: 'reason' }, note.join(' ')),
          el('td', { className: 'm-actions' }, actionsOf(m, v.items, i, pending)));
        tb.appendChild(row);
        if (editing && editing.id === m.id) tb.appendChild(editorRow(m));
      });
      box.appendChild(el('div', { className: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('volHeading', v.no, v.title) }, el('table', { className: 'toc' },
        el('thead', null, el('tr', null, el('th', null, t('colSeq')), el('th', null, t('colTitle')), el('th', null, t('colFile')),
          el('th', null, t('colStatus')), el('th', null, t('colPages')), el('th', null, t('colReason')), el('th', null, t('colActions')))),
        tb)));
    });
    if (editing && editing.focus) {
      var f = YJ.$('#toc tr.m-editor [data-focus]');
      if (f) f.focus();
      editing.focus = false;
    }
  }

  // posOf is m's number in its volume as the 卷内目录 shows it.
  function posOf(m) {
    return materials.filter(function (x) { return x.volume === m.volume && (x.seq < m.seq || (x.seq === m.seq && x.id <= m.id)); }).length;
  }

  // pendingReplacement is the replacement of material id not yet accepted.
  function pendingReplacement(id) {
    return materials.filter(function (x) { return x.replaces === id && x.status !== 'accepted'; })[0] || null;
  }

  // editing is the material whose change form is open, and which: rename,
  // move, delete, replace or resume.
  var editing = null;
  var changing = false;

  function openEditor(m, kind) {
    editing = { id: m.id, kind: kind, focus: true };
    renderTOC();
  }

  function closeEditor(focusID, cls) {
    editing = null;
    renderTOC();
    var b = focusID && YJ.$('#toc tr[data-id="' + focusID + '"] .' + cls);
    if (b) b.focus();
  }

  function actionsOf(m, volItems, i, pending) {
    var name = '《' + m.title + '》';
    var btn = function (cls, text, label, fn, disabled) {
      var b = el('button', { type: 'button', className: 'small secondary ' + cls, 'aria-label': label, title: label, disabled: changing || !!disabled }, text);
      b.addEventListener('click', fn);
      return b;
    };
    var busy = m.status === 'processing';
    var out = [
      btn('m-up', '↑', t('mUp', name), function () { reorder(m, -1); }, i === 0),
      btn('m-down', '↓', t('mDown', name), function () { reorder(m, 1); }, i === volItems.length - 1),
      btn('m-rename', t('mRename'), t('mRenameOf', name), function () { openEditor(m, 'rename'); }),
      btn('m-move', t('mMove'), t('mMoveOf', name), function () { openEditor(m, 'move'); })
    ];
    if (m.status === 'awaiting_upload') {
      out.push(btn('m-resume', t('mResume'), t('mResumeOf', name), function () { openEditor(m, 'resume'); }));
    } else if (!busy && !pending) {
      out.push(btn('m-replace', t('mReplace'), t('mReplaceOf', name), function () { openEditor(m, 'replace'); }));
    }
    if (!busy) out.push(btn('m-delete', t('mDelete'), t('mDeleteOf', name), function () { openEditor(m, 'delete'); }));
    var span = el('span', { className: 'm-buttons' });
    out.forEach(function (b) { span.appendChild(b); });
    return span;
  }

  // editorRow is the open change form of material m, across the row.
  function editorRow(m) {
    var kind = editing.kind;
    var box = el('div', { className: 'm-edit m-edit-' + kind });
    var err = el('div', { className: 'form-error', role: 'alert', hidden: true });
    var cancel = el('button', { type: 'button', className: 'secondary m-cancel' }, t('cancel'));
    cancel.addEventListener('click', function () { closeEditor(m.id, 'm-' + kind); });
    var fail = function (e) {
      changing = false;
      YJ.clear(err);
      err.appendChild(document.createTextNode(e.problems && e.problems.length ? e.problems.map(function (p) { return YJ.apiText(p.message); }).join('；') : (e.message || String(e))));
      err.hidden = false;
      box.querySelectorAll('button, input').forEach(function (n) { n.disabled = false; });
    };
    var go = function (btn, fn) {
      btn.addEventListener('click', function () {
        err.hidden = true;
        changing = true;
        box.querySelectorAll('button, input').forEach(function (n) { n.disabled = true; });
        fn().then(function () { changing = false; }, fail);
      });
    };
    var uid = 'm-' + kind + '-' + m.id;
    if (kind === 'rename') {
      var title = el('input', { type: 'text', id: uid, value: m.title, 'data-focus': '1', className: 'm-new-title' });
      var save = el('button', { type: 'button', className: 'm-save' }, t('mSave'));
      box.appendChild(el('label', { 'for': uid }, t('mNewTitle')));
      box.appendChild(title);
      go(save, function () { return change(m, { title: title.value.trim() }, t('renamedOK', title.value.trim())); });
      box.appendChild(el('div', { className: 'buttons' }, save, cancel));
    } else if (kind === 'move') {
      var vol = el('input', { type: 'number', id: uid, min: '1', max: '999', value: String(m.volume), inputmode: 'numeric', 'data-focus': '1', className: 'm-new-volume' });
      var vt = el('input', { type: 'text', id: uid + '-t', className: 'm-new-volume-title', placeholder: t('mVolTitlePh') });
      var mv = el('button', { type: 'button', className: 'm-save' }, t('mMoveGo'));
      box.appendChild(el('div', { className: 'grid two' },
        el('div', { className: 'field' }, el('label', { 'for': uid }, t('mToVolume')), vol),
        el('div', { className: 'field' }, el('label', { 'for': uid + '-t' }, t('mToVolumeTitle')), vt)));
      go(mv, function () {
        var body = { volume: parseInt(vol.value, 10) || 0 };
        if (vt.value.trim()) body.volumeTitle = vt.value.trim();
        return change(m, body, t('movedOK', m.title, body.volume));
      });
      box.appendChild(el('div', { className: 'buttons' }, mv, cancel));
    } else if (kind === 'delete') {
      box.appendChild(el('p', null, t('mDeleteAsk', m.volume, posOf(m), m.title)));
      if (m.status === 'accepted') box.appendChild(el('p', { className: 'muted' }, t('mDeleteKept')));
      var yes = el('button', { type: 'button', className: 'danger m-confirm', 'data-focus': '1' }, t('mDeleteYes'));
      go(yes, function () { return remove(m); });
      box.appendChild(el('div', { className: 'buttons' }, yes, cancel));
    } else {
      // replace or resume: a file, sent to a fresh upload URL.
      var file = el('input', { type: 'file', id: uid, className: 'm-file', 'data-focus': '1', accept: '.pdf,.jpg,.jpeg,.png,.tif,.tiff,application/pdf,image/jpeg,image/png,image/tiff' });
      var send = el('button', { type: 'button', className: 'm-save' }, kind === 'resume' ? t('mResumeGo') : t('mReplaceGo'));
      box.appendChild(el('p', null, kind === 'resume' ? t('mResumeAsk', m.filename, YJ.fmtSize(m.size || 0)) : t('mReplaceAsk', m.title)));
      if (kind === 'replace' && m.status === 'accepted') box.appendChild(el('p', { className: 'muted' }, t('mReplaceKept')));
      box.appendChild(el('label', { 'for': uid }, t('mChooseFile')));
      box.appendChild(file);
      var progress = el('div', { className: 'file-state', 'aria-live': 'polite' });
      go(send, function () { return sendFile(m, kind, file.files && file.files[0], progress); });
      box.appendChild(el('div', { className: 'buttons' }, send, cancel));
      box.appendChild(progress);
    }
    box.appendChild(err);
    return el('tr', { className: 'm-editor', 'data-for': m.id }, el('td', { colSpan: 7 }, box));
  }

  function casePath() { return '/cases/' + encodeURIComponent(currentCase()) + '/materials'; }

  // done closes the form, says what happened and reloads the materials.
  function done(text, focusID, cls) {
    editing = null;
    changing = false;
    return loadMaterials().then(function () {
      YJ.status(YJ.$('#toc-status'), text, 'ok'); // after the reload, which clears it
      var b = focusID && YJ.$('#toc tr[data-id="' + focusID + '"] .' + cls);
      if (b && !b.disabled) b.focus();
    });
  }

  function change(m, body, text) {
    return YJ.api('PATCH', casePath() + '/' + encodeURIComponent(m.id), body).then(function () {
      return done(text, m.id, body.title !== undefined ? 'm-rename' : 'm-move');
    });
  }

  function remove(m) {
    return YJ.api('DELETE', casePath() + '/' + encodeURIComponent(m.id)).then(function () {
      return done(t('deletedOK', m.title));
    });
  }

  function reorder(m, delta) {
    var vol = materials.filter(function (x) { return x.volume === m.volume; })
      .sort(function (x, y) { return x.seq - y.seq || (x.id < y.id ? -1 : 1); })
      .map(function (x) { return x.id; });
    var i = vol.indexOf(m.id);
    var j = i + delta;
    if (i < 0 || j < 0 || j >= vol.length) return;
    vol[i] = vol[j];
    vol[j] = m.id;
    changing = true;
    renderTOC();
    YJ.api('POST', casePath() + '/order', { volume: m.volume, ids: vol }).then(function () {
      changing = false;
      return done(t('reorderedOK', m.title, j + 1), m.id, delta < 0 ? 'm-up' : 'm-down');
    }, function (err) {
      changing = false;
      renderTOC();
      YJ.status(YJ.$('#toc-status'), err.message, 'error');
    });
  }

  // sendFile replaces material m with file, or resumes its upload, and
  // waits for the checker's verdict on what was sent.
  function sendFile(m, kind, file, progress) {
    if (!file) return Promise.reject(new Error(t('mNeedFile')));
    if (kind === 'resume' && m.size && file.size !== m.size) {
      return Promise.reject(new Error(t('mSizeDiffers', YJ.fmtSize(file.size), YJ.fmtSize(m.size))));
    }
    var caseID = currentCase();
    var req = kind === 'resume' ?
      YJ.api('POST', casePath() + '/' + encodeURIComponent(m.id) + '/upload') :
      YJ.api('POST', casePath() + '/' + encodeURIComponent(m.id) + '/replace', { filename: file.name, size: file.size });
    var id;
    return req.then(function (got) {
      id = got.id;
      return YJ.upload(got.uploadUrl, file, function (p) { progress.textContent = t('uploading', p); });
    }).then(function () {
      progress.textContent = t('processing');
      return verdictOf(caseID, id);
    }).then(function (got) {
      if (caseID !== currentCase()) return;
      var text = !got ? t('checkTimeout') :
        got.status === 'accepted' ? (kind === 'resume' ? t('resumedOK', got.title, got.pages || 0) : t('replacedOK', m.title, got.pages || 0)) :
          t('replaceRejected', got.title, YJ.apiText(got.reason || ''));
      return done(text, id, 'm-replace').then(function () {
        if (got && got.status === 'rejected') YJ.status(YJ.$('#toc-status'), text, 'error');
      });
    });
  }

  // verdictOf polls the case's materials until material id is decided (or
  // three minutes pass: null), showing them meanwhile.
  function verdictOf(caseID, id) {
    var deadline = Date.now() + 180000;
    var round = function () {
      return YJ.api('GET', '/cases/' + encodeURIComponent(caseID) + '/materials').then(function (data) {
        var ms = (data && data.materials) || [];
        var m = ms.filter(function (x) { return x.id === id; })[0];
        if (m && (m.status === 'accepted' || m.status === 'rejected')) return m;
        if (Date.now() > deadline) return null;
        return YJ.sleep(700).then(round);
      });
    };
    return round();
  }

  // ---- the upload list --------------------------------------------------------
  // items are the files of this batch in order; phase is queued, uploading,
  // processing, accepted, rejected or failed. Only queued and failed items
  // move and upload.
  var items = [];
  var nextKey = 1;
  var busy = false;

  // The staged files belong to their case: switching case puts this case's
  // list aside and brings back the other's (empty the first time), so a
  // file is never sent to a case it was not chosen for.
  var staged = {};
  var stagedCase = null;

  function switchStaged(id) {
    if (stagedCase === id) return;
    if (stagedCase !== null) staged[stagedCase] = items;
    items = staged[id] || [];
    stagedCase = id;
    editing = null;
  }

  function caseName(id) {
    var k = cases.filter(function (x) { return x.id === id; })[0];
    return k ? k.caseNo + ' ' + k.title : '';
  }

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

  // shownNo is the number a staged file will have in the 卷内目录, which
  // numbers each volume's materials 1, 2, … in order (as the dossier does),
  // whatever their stored seq.
  function shownNo(it, seqs) {
    var vol = movable(it) ? volumeNo() : it.volume;
    var inVol = materials.filter(function (x) { return x.volume === vol; })
      .sort(function (x, y) { return x.seq - y.seq || (x.id < y.id ? -1 : 1); });
    if (!movable(it)) {
      var i = inVol.findIndex(function (x) { return x.id === it.id; });
      return i >= 0 ? i + 1 : it.seq;
    }
    var before = 0;
    items.forEach(function (x) { if (movable(x) && seqs[x.key] < seqs[it.key]) before++; });
    return inVol.length + before + 1;
  }

  var dragKey = null;

  function renderFiles() {
    var ol = YJ.$('#files');
    YJ.clear(ol);
    var whose = YJ.$('#files-case');
    if (whose) {
      whose.hidden = !items.length;
      whose.textContent = items.length ? t('stagedFor', caseName(stagedCase)) : '';
    }
    var seqs = pendingSeqs();
    items.forEach(function (it, idx) {
      var can = movable(it) && !busy;
      var li = el('li', { 'data-key': it.key, 'data-phase': it.phase, draggable: can ? 'true' : null });
      var seq = shownNo(it, seqs);
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
    YJ.$('#case-select').disabled = true; // the batch is this case's
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
      YJ.$('#case-select').disabled = false;
      renderFiles();
      return waitVerdicts(caseID);
    });
  }

  // waitVerdicts polls the case's materials until every uploaded file of
  // the batch is accepted or rejected.
  function waitVerdicts(caseID) {
    var deadline = Date.now() + 180000;
    var batch = items;
    var round = function () {
      return YJ.api('GET', '/cases/' + encodeURIComponent(caseID) + '/materials').then(function (data) {
        var byID = {};
        ((data && data.materials) || []).forEach(function (m) { byID[m.id] = m; });
        if (caseID === currentCase()) {
          materials = (data && data.materials) || [];
          if (!editing) renderTOC(); // an open change form keeps what is typed in it
        }
        var waiting = false;
        batch.forEach(function (it) {
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
    // Files chosen and not yet sent, or on their way, of any case: leaving
    // asks first.
    YJ.unsaved(function () {
      if (stagedCase !== null) staged[stagedCase] = items;
      return Object.keys(staged).some(function (k) {
        return staged[k].some(function (it) { return movable(it) || it.phase === 'uploading'; });
      });
    });
    return loadCases();
  }

  // YJ.clerkCases is what clerk.js uses of this section.
  YJ.clerkCases = {
    start: start,
    load: loadCases,
    list: function () { return cases; }
  };
})();
