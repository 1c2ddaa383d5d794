// lawyer.js: apply for a review (documents uploaded first, each with its
// own progress) and follow one's applications to the download.
'use strict';

(function () {
  var YJ = window.YJ;
  var t = YJ.t, el = YJ.el;
  YJ.addMessages({
    pageTitle: ['律师 · 阅卷', 'Lawyer · Yuejuan'],
    navMine: ['我的申请', 'My applications'],
    navApply: ['申请阅卷', 'Apply'],
    mineTitle: ['我的申请', 'My applications'],
    applyTitle: ['申请阅卷', 'Apply to review a case file'],
    applyIntro: ['符合条件的申请，检察院在三个工作日内答复（遇节假日顺延）。材料不全的，会一次性告知需补正的全部内容。',
      'Complete applications are answered within three working days (extended over holidays). If anything is missing you are told everything to fix at once.'],
    caseNo: ['案号', 'Case no.'],
    caseNoPh: ['如：京检刑诉〔2026〕123号', 'e.g. 京检刑诉〔2026〕123号'],
    client: ['委托人（犯罪嫌疑人/被告人）', 'Client (suspect / defendant)'],
    kind: ['申请人身份', 'Applying as'],
    kindDefence: ['辩护人', 'Defence counsel'],
    kindVictim: ['诉讼代理人', 'Victim\'s agent'],
    lawyerName: ['律师姓名', 'Lawyer\'s name'],
    license: ['执业证号（17 位）', 'Practice certificate no. (17 digits)'],
    firm: ['律师事务所', 'Law firm'],
    phone: ['联系电话', 'Phone'],
    docs: ['证明材料（PDF、JPEG 或 PNG）', 'Documents (PDF, JPEG or PNG)'],
    attCert: ['律师执业证', 'Practice certificate'],
    attFirm: ['律师事务所证明（律所函）', 'Law-firm letter'],
    attAuthority: ['授权委托书或法律援助公函', 'Power of attorney or legal-aid letter'],
    attPoa: ['授权委托书', 'Power of attorney'],
    attAid: ['法律援助公函', 'Legal-aid letter'],
    submit: ['提交申请', 'Submit application'],
    submitting: ['正在提交…', 'Submitting…'],
    waitingUploads: ['正在等待材料上传完成…', 'Waiting for the documents to finish uploading…'],
    footer: ['如需帮助请致电 12309 检察服务热线', 'For help call the 12309 procuratorate hotline'],
    checking: ['已上传，正在核验文件…', 'Uploaded; checking the file…'],
    fileOk: ['已上传：{0}（{1}）', 'Uploaded: {0} ({1})'],
    fileNotArrived: ['文件未能送达，请重新选择文件', 'The file did not arrive; choose it again'],
    applied: ['申请已提交，答复期限 {0}。请留意本页状态，结果也会通过短信告知。', 'Application submitted; reply due by {0}. Watch this page; you will also get an SMS.'],
    appliedAgain: ['您已就该案提交过申请，以下为该申请的当前状态。', 'You already applied for this case; its current state is shown below.'],
    appliedRefused: ['申请已提交，但不予网上阅卷：{0}', 'Submitted, but internet review is refused: {0}'],
    noApps: ['您还没有提交过阅卷申请。', 'You have not applied yet.'],
    clientLabel: ['委托人', 'Client'],
    reason: ['理由', 'Reason'],
    contact: ['承办人', 'Case handler'],
    approvedBy: ['已批准', 'Approved'],
    refusedBy: ['不予许可', 'Refused'],
    download: ['下载卷宗', 'Download dossier'],
    linkInfo: ['链接有效期至 {0}，还可下载 {1} 次', 'Link valid until {0}; {1} download(s) left'],
    linkGone: ['下载链接已失效（过期、撤销或次数用完），请联系承办人。', 'The download link is no longer valid (expired, revoked or used up); contact the case handler.'],
    preparing: ['卷宗正在生成，完成后此处会出现下载按钮。', 'The dossier is being prepared; a download button appears here when it is ready.']
  });

  var c = YJ.requireRole('lawyer');
  if (!c) return;

  // The three document slots; "authority" is a power of attorney or a
  // legal-aid letter, chosen in its select.
  var slots = {};
  ['practice_certificate', 'firm_letter', 'authority'].forEach(function (name) {
    slots[name] = { name: name, gen: 0, promise: null };
  });

  function slotKind(name) {
    return name === 'authority' ? YJ.$('#att-authority-kind').value : name;
  }

  function slotBox(name) { return YJ.$('.attach[data-slot="' + name + '"]'); }
  function slotInput(name) { return name === 'authority' ? YJ.$('#att-authority') : YJ.$('#att-' + name); }

  function setState(name, text, cls) {
    var st = slotBox(name).querySelector('.file-state');
    st.textContent = text || '';
    st.className = 'file-state' + (cls ? ' ' + cls : '');
  }

  // startUpload registers the document, PUTs it with progress and waits
  // until the service has seen it. It resolves to the attachment id or null.
  function startUpload(name) {
    var slot = slots[name];
    var input = slotInput(name);
    var file = input.files && input.files[0];
    var bar = slotBox(name).querySelector('progress');
    var gen = ++slot.gen;
    var errBox = slotBox(name).querySelector('[data-error-for]');
    YJ.clear(errBox);
    errBox.hidden = true;
    input.removeAttribute('aria-invalid');
    if (!file) {
      slot.promise = null;
      bar.hidden = true;
      setState(name, '');
      return;
    }
    var current = function () { return slot.gen === gen; };
    bar.hidden = false;
    bar.value = 0;
    setState(name, t('uploading', 0));
    slot.promise = YJ.api('POST', '/attachments', { kind: slotKind(name), filename: file.name }).then(function (at) {
      return YJ.upload(at.uploadUrl, file, function (p) {
        if (!current()) return;
        bar.value = p;
        setState(name, t('uploading', p));
      }).then(function () {
        if (current()) setState(name, t('checking'));
        var tries = 0;
        var poll = function () {
          return YJ.api('GET', '/attachments/' + encodeURIComponent(at.id)).then(function (got) {
            if (got.uploaded) {
              if (current()) setState(name, '✓ ' + t('fileOk', file.name, got.contentType || '?'), 'ok');
              return at.id;
            }
            if (++tries > 120) throw new Error(t('fileNotArrived'));
            return YJ.sleep(250).then(poll);
          });
        };
        return poll();
      });
    }).catch(function (err) {
      if (current()) {
        bar.hidden = true;
        setState(name, '✗ ' + t('uploadFailed', err.message || String(err)), 'bad');
      }
      return null;
    });
  }

  function val(id) { return YJ.$(id).value.trim(); }

  function submit(ev) {
    ev.preventDefault();
    var form = YJ.$('#apply');
    var btn = YJ.$('#apply-submit');
    var ok = YJ.$('#apply-ok');
    YJ.clearProblems(form);
    ok.hidden = true;
    btn.disabled = true;
    btn.textContent = t('waitingUploads');
    var names = Object.keys(slots);
    Promise.all(names.map(function (n) { return slots[n].promise; })).then(function (ids) {
      var sent = [], order = [];
      ids.forEach(function (id, i) {
        if (id) { sent.push(id); order.push(names[i]); }
      });
      btn.textContent = t('submitting');
      var body = {
        caseNo: val('#caseNo'), client: val('#client'), kind: YJ.$('#kind').value,
        lawyer: { name: val('#lawyer-name'), license: val('#lawyer-license'), firm: val('#lawyer-firm'), phone: val('#lawyer-phone') },
        attachments: sent
      };
      return YJ.api('POST', '/applications', body).then(function (app) {
        var text;
        if (app.status === 'refused') text = t('appliedRefused', (app.reply && app.reply.reason) || '');
        else text = t('applied', app.deadline || '—');
        YJ.status(ok, text, app.status === 'refused' ? 'error' : 'ok');
        names.forEach(function (n) {
          slotInput(n).value = '';
          startUpload(n);
        });
        load();
      }, function (err) {
        // attachments[i] is the i-th id sent: show it under its slot.
        (err.problems || []).forEach(function (p) {
          var m = /^attachments\[(\d+)\]$/.exec(p.field || '');
          if (m && order[+m[1]]) p.field = 'attachments.' + order[+m[1]];
        });
        YJ.showProblems(form, err);
      });
    }).finally(function () {
      btn.disabled = false;
      btn.textContent = t('submit');
    });
  }

  // ---- my applications ----------------------------------------------------
  var lastJSON = '';
  var lastApps = [];

  function render(apps) {
    var list = YJ.$('#apps');
    YJ.clear(list);
    if (!apps.length) {
      list.appendChild(el('li', { className: 'muted' }, t('noApps')));
      return;
    }
    apps.forEach(function (a) {
      var li = el('li', { 'data-id': a.id, 'data-status': a.status, className: a.overdue ? 'overdue' : null });
      li.appendChild(el('div', { className: 'item-head' },
        el('strong', null, a.caseNo),
        el('span', { className: 'status status-' + a.status }, t('st_' + a.status))));
      li.appendChild(el('div', { className: 'kv' }, el('span', { className: 'k' }, t('clientLabel')), a.client || '—',
        el('span', { className: 'k' }, ' · ' + t('submittedAt')), YJ.fmtTime(a.submittedAt)));
      if (a.status === 'submitted' || a.status === 'pending_review') {
        li.appendChild(el('div', { className: 'kv' }, YJ.deadlineNode(a)));
      } else if (a.deadline) {
        li.appendChild(el('div', { className: 'kv muted' }, t('deadline') + ' ' + a.deadline));
      }
      var r = a.reply;
      if (r) {
        var box = el('div', { className: 'reply' + (r.decision === 'reject' ? ' reply-refused' : '') });
        box.appendChild(el('div', null, el('strong', null, r.decision === 'reject' ? t('refusedBy') : t('approvedBy')),
          ' ' + YJ.fmtTime(r.at) + (r.byName ? ' · ' + r.byName : '')));
        if (r.reason) box.appendChild(el('div', { className: 'reply-reason' }, el('span', { className: 'k' }, t('reason') + YJ.colon()), r.reason));
        if (r.contact && (r.contact.name || r.contact.phone)) {
          var tel = (r.contact.phone || '').replace(/[^0-9+]/g, '');
          box.appendChild(el('div', { className: 'reply-contact' }, el('span', { className: 'k' }, t('contact') + YJ.colon()),
            (r.contact.name || '') + ' ',
            tel ? el('a', { href: 'tel:' + tel }, r.contact.phone) : (r.contact.phone || '')));
        }
        li.appendChild(box);
      }
      if (a.status === 'approved') {
        li.appendChild(el('div', { className: 'kv muted' }, t('preparing')));
      }
      if (a.status === 'ready') {
        if (a.link && /^https?:\/\//.test(a.link.url)) {
          li.appendChild(el('div', { className: 'buttons' },
            el('a', { className: 'button download', href: a.link.url, rel: 'noopener noreferrer' }, '⬇ ' + t('download'))));
          li.appendChild(el('div', { className: 'kv muted' }, t('linkInfo', YJ.fmtTime(a.link.expiresAt), a.link.downloadsLeft)));
        } else {
          li.appendChild(el('div', { className: 'kv muted' }, t('linkGone')));
        }
      }
      list.appendChild(li);
    });
  }

  function load() {
    var st = YJ.$('#apps-status');
    return YJ.api('GET', '/applications').then(function (data) {
      YJ.status(st, '');
      var apps = (data && data.applications) || [];
      var j = JSON.stringify(apps);
      if (j !== lastJSON) {
        lastJSON = j;
        lastApps = apps;
        render(apps);
      }
    }, function (err) {
      YJ.status(st, err.message, 'error');
    });
  }

  function start() {
    YJ.frame(c);
    YJ.onLang(function () { render(lastApps); });
    if (!YJ.$('#lawyer-name').value) YJ.$('#lawyer-name').value = c.name || '';
    if (!YJ.$('#lawyer-license').value) YJ.$('#lawyer-license').value = c.sub || '';
    Object.keys(slots).forEach(function (name) {
      slotInput(name).addEventListener('change', function () { startUpload(name); });
    });
    YJ.$('#att-authority-kind').addEventListener('change', function () { startUpload('authority'); });
    YJ.$('#apply').addEventListener('submit', submit);
    YJ.$('#refresh').addEventListener('click', function () { lastJSON = ''; load(); });
    render([]);
    load();
    // Follow the status while the page is open.
    setInterval(function () { if (!document.hidden) load(); }, 4000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
