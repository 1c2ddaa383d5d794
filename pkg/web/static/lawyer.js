// lawyer.js: apply for a review (documents uploaded first, each with its
// own progress) and follow one's applications to the download; read the
// notices (procedural decisions with the handler's name and phone,
// applications decided, dossiers ready, links expiring); file complaints of
// obstruction and follow them to the written answer; submit written
// opinions on one's cases and read whether they were adopted, and why.
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
    applyIntro: ['符合条件的申请，检察院在三日内办理并答复（提交当日不计入；期限最后一日为节假日的，顺延至节后第一个工作日）。材料不全的，会一次性告知需补正的全部内容。',
      'Complete applications are handled and answered within three days (the day of submission does not count; if the last day is a day off, the period ends on the next working day). If anything is missing you are told everything to fix at once.'],
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
    fileOk: ['已上传，检查通过：{0}（{1}）', 'Uploaded and checked: {0} ({1})'],
    fileBad: ['未通过检查：{0}', 'Refused: {0}'],
    filePages: ['{0} 页', '{0} page(s)'],
    ackAt: ['已受理：{0}（北京时间）', 'Acknowledged: {0} (Beijing time)'],
    corrTitle: ['需要补正：案管 {0} 于 {1}（北京时间）要求补正以下项目', 'To fix: asked by {0} on {1} (Beijing time)'],
    corrClock: ['补正期间答复期限暂停，补正提交后重新计算三日。', 'The reply clock stops while you correct; three days run again once you resubmit.'],
    corrFileFor: ['上传新的{0}', 'Upload a new {0}'],
    corrSubmit: ['提交补正', 'Send corrections'],
    corrSent: ['补正已提交，申请回到待审查，答复期限重新计算。', 'Corrections sent; the application is pending review again with a new deadline.'],
    corrField_client: ['委托人', 'Client'],
    'corrField_lawyer.firm': ['律师事务所', 'Law firm'],
    'corrField_lawyer.phone': ['联系电话', 'Phone'],
    'corrField_attachments.practice_certificate': ['律师执业证', 'Practice certificate'],
    'corrField_attachments.firm_letter': ['律师事务所证明', 'Firm letter'],
    'corrField_attachments.power_of_attorney': ['授权委托书或法律援助公函', 'Power of attorney or legal-aid letter'],
    historyTitle: ['办理经过', 'History'],
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
    linkInfo: ['链接有效期至 {0}（北京时间），还可下载 {1} 次', 'Link valid until {0} (Beijing time); {1} download(s) left'],
    linkGone: ['下载链接已被撤销，请联系承办人。', 'The download link was revoked; contact the case handler.'],
    linkUsedUp: ['下载次数已用完（有效期至 {0}，北京时间）。如需再次下载，可立即申请新链接。', 'All downloads used (link valid until {0}, Beijing time). Ask for a new link to download again at once.'],
    linkExpired: ['下载链接已过期。如需再次下载，可立即申请新链接。', 'The download link has expired. Ask for a new link to download again at once.'],
    linkUsedUpBadge: ['下载次数已用完', 'Downloads used up'],
    linkExpiredBadge: ['链接已过期', 'Link expired'],
    renew: ['申请新链接', 'Get a new link'],
    renewing: ['正在签发新链接…', 'Issuing a new link…'],
    renewed: ['已签发新链接，可立即下载。', 'A new link was issued; you can download now.'],
    receipt: ['受理回执号', 'Receipt no.'],
    idLabel: ['执业身份', 'Your identity'],
    id_pending: ['待案管核验（不影响申请）', 'Not checked yet by a clerk (you can still apply)'],
    id_verified: ['已核验', 'Verified'],
    id_rejected: ['核验未通过，请联系承办单位或致电 12309', 'Rejected: contact the unit or call 12309'],
    preparing: ['卷宗正在生成，完成后此处会出现下载按钮。', 'The dossier is being prepared; a download button appears here when it is ready.'],
    navNotices: ['通知', 'Notices'],
    navComplaints: ['申诉控告', 'Complaints'],
    navOpinions: ['书面意见', 'Opinions'],
    noticesTitle: ['通知', 'Notices'],
    noticesIntro: ['程序性决定、申请答复、卷宗可下载、链接即将到期等通知，最新的在前（同时以短信发送）；时间均为北京时间。',
      'Procedural decisions, answers to applications, dossiers ready and links about to expire, newest first (also sent by SMS); times are Beijing time.'],
    noNotices: ['暂无通知。', 'No notices yet.'],
    complaintsTitle: ['申诉控告', 'Complaints'],
    complaintsIntro: ['检察机关或其工作人员阻碍您依法行使诉讼权利的，可以提出申诉控告。一般 10 日内书面答复；紧急的 3 个工作日内；会见受阻的 5 个工作日内（遇节假日顺延）。',
      'If a procuratorate or its staff obstructs your rights, complain here. Answered in writing within 10 days; urgent ones within 3 working days; an obstructed meeting within 5 working days (extended over holidays).'],
    noComplaints: ['您还没有提出过申诉控告。', 'You have not filed a complaint.'],
    newComplaint: ['提出申诉控告', 'File a complaint'],
    cpKind: ['申诉控告事项', 'What was obstructed'],
    cpUrgent: ['紧急（3 个工作日内答复）', 'Urgent (answered within 3 working days)'],
    cpUrgentHint: ['如羁押期限即将届满、庭审在即等，请勾选。', 'E.g. custody about to end, or a hearing is near.'],
    cpCaseNo: ['案号（已在本系统登记的案件）', 'Case no. (a case registered here)'],
    cpUnit: ['受理单位（未填案号时必填）', 'Unit (required without a case no.)'],
    cpUnitPh: ['如：市检察院', 'e.g. 市检察院'],
    cpDescription: ['情况说明（时间、地点、经过）', 'What happened (when, where, how)'],
    cpSubmit: ['提交申诉控告', 'File the complaint'],
    cpFiled: ['申诉控告已提交，答复期限 {0}。办理时限：{1}。办结后您会在此收到书面答复，并有短信通知。', 'Complaint filed; to be answered by {0}. Period: {1}. The written answer will be shown here, and you will get an SMS.'],
    periodLabel: ['办理时限', 'Period'],
    answerLabel: ['书面答复', 'Written answer'],
    opinionsTitle: ['书面意见', 'Written opinions'],
    opinionsIntro: ['您可以就所辩护或代理的案件向承办人提交书面意见；承办人审查后书面答复是否采纳及理由，案件办结前必须答复。',
      'Submit a written opinion on a case you act in; the handler answers in writing whether it was adopted and why, before the case is concluded.'],
    noOpinions: ['您还没有提交过书面意见。', 'You have not submitted an opinion.'],
    newOpinion: ['提交书面意见', 'Submit an opinion'],
    opCaseHint: ['须为您已申请阅卷、或经案管登记为辩护人的案件。', 'A case you applied to review, or for which a clerk registered you as counsel.'],
    opText: ['意见内容', 'Your opinion'],
    opSubmit: ['提交书面意见', 'Submit the opinion'],
    opSubmitted: ['书面意见已提交（案号 {0}）。承办人答复后会通知您。', 'Opinion submitted (case {0}). You will be told when the handler answers.'],
    opWaiting: ['等待承办人答复，案件办结前必须答复。', 'Awaiting the handler\'s answer, due before the case is concluded.'],
    needCaseNo: ['请填写案号', 'Enter the case number'],
    needText: ['请填写意见内容', 'Write the opinion'],
    yourOpinion: ['意见', 'Opinion']
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
    slot.promise = YJ.api('POST', '/attachments', { kind: slotKind(name), filename: file.name, size: file.size }).then(function (at) {
      return YJ.upload(at.uploadUrl, file, function (p) {
        if (!current()) return;
        bar.value = p;
        setState(name, t('uploading', p));
      }).then(function () {
        if (current()) setState(name, t('checking'));
        var tries = 0;
        var poll = function () {
          return YJ.api('GET', '/attachments/' + encodeURIComponent(at.id)).then(function (got) {
            // The server's verdict is final once the file arrived: what
            // submit would say of it is said now, at the slot.
            if (got.uploaded && got.verdict) {
              if (!current()) return at.id;
              bar.hidden = true;
              if (got.verdict === 'refused') {
                setState(name, '✗ ' + t('fileBad', file.name), 'bad');
                errBox.appendChild(el('div', null, YJ.apiText(got.reason || '')));
                errBox.hidden = false;
                input.setAttribute('aria-invalid', 'true');
              } else {
                var facts = [{ 'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG' }[got.contentType] || got.contentType || '?'];
                if (got.pages) facts.push(t('filePages', got.pages));
                if (got.size) facts.push(YJ.fmtSize(got.size));
                setState(name, '✓ ' + t('fileOk', file.name, facts.join(' · ')), 'ok');
              }
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
        else text = t('applied', YJ.fmtDate(app.deadline) || '—');
        YJ.status(ok, text, app.status === 'refused' ? 'error' : 'ok');
        names.forEach(function (n) {
          slotInput(n).value = '';
          startUpload(n);
        });
        load();
      }, function (err) {
        // attachments[i] is the i-th id sent: show it under its slot.
        // A missing document is named at its slot: the power of
        // attorney's and the legal-aid letter's is "authority".
        (err.problems || []).forEach(function (p) {
          var m = /^attachments\[(\d+)\]$/.exec(p.field || '');
          if (m && order[+m[1]]) p.field = 'attachments.' + order[+m[1]];
          if (p.field === 'attachments.power_of_attorney' || p.field === 'attachments.legal_aid_letter') p.field = 'attachments.authority';
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
      // A ready application whose link ran out says so on its badge too.
      var badge = a.renewable ? (a.link ? 'linkUsedUpBadge' : 'linkExpiredBadge') : 'st_' + a.status;
      li.appendChild(el('div', { className: 'item-head' },
        el('span', null, el('strong', null, a.caseNo), a.caseTitle ? el('span', { className: 'case-title muted' }, ' · ' + a.caseTitle) : null),
        el('span', { className: 'status status-' + (a.renewable ? 'expired' : a.status) }, t(badge))));
      if (a.receipt) {
        li.appendChild(el('div', { className: 'kv' }, el('span', { className: 'k' }, t('receipt') + YJ.colon()),
          el('span', { className: 'receipt' }, a.receipt)));
      }
      li.appendChild(el('div', { className: 'kv' }, el('span', { className: 'k' }, t('clientLabel')), a.client || '—',
        el('span', { className: 'k' }, ' · ' + t('submittedAt')), YJ.fmtTime(a.submittedAt)));
      if (a.lawyerIdentity) {
        li.appendChild(el('div', { className: 'kv identity' }, el('span', { className: 'k' }, t('idLabel') + YJ.colon()),
          el('span', { className: 'badge ' + (a.lawyerIdentity === 'verified' ? 'badge-ok' : a.lawyerIdentity === 'rejected' ? 'badge-no' : 'badge-warn') }, t('id_' + a.lawyerIdentity))));
      }
      if (a.status === 'submitted' || a.status === 'pending_review') {
        li.appendChild(el('div', { className: 'kv' }, YJ.deadlineNode(a)));
      } else if (a.deadline && a.status !== 'needs_correction') {
        li.appendChild(el('div', { className: 'kv muted' }, t('deadline') + ' ' + YJ.fmtDate(a.deadline)));
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
      if (a.acknowledged) li.appendChild(el('div', { className: 'kv acknowledged' }, t('ackAt', YJ.fmtTime(a.acknowledged.at))));
      if (a.status === 'needs_correction') li.appendChild(correctionNode(a));
      if (a.status === 'approved') {
        li.appendChild(el('div', { className: 'kv muted' }, t('preparing')));
      }
      if (a.renewable) {
        // The counter deters leaks, never blocks review: a used-up or
        // expired link is said as it is, with a new one a click away.
        var used = a.link && a.link.downloadsLeft === 0;
        li.appendChild(el('div', { className: 'kv link-state' }, used ? t('linkUsedUp', YJ.fmtTime(a.link.expiresAt)) : t('linkExpired')));
        var rs = el('div', { className: 'notice', role: 'status', 'aria-live': 'polite', hidden: true });
        var rb = el('button', { type: 'button', className: 'renew' }, t('renew'));
        rb.addEventListener('click', function () { renewLink(a.id, rb, rs); });
        li.appendChild(el('div', { className: 'buttons' }, rb));
        li.appendChild(rs);
      } else if (a.status === 'ready') {
        if (a.link && /^https?:\/\//.test(a.link.url)) {
          li.appendChild(el('div', { className: 'buttons' },
            el('a', { className: 'button download', href: a.link.url, rel: 'noopener noreferrer' }, '⬇ ' + t('download'))));
          li.appendChild(el('div', { className: 'kv muted' }, t('linkInfo', YJ.fmtTime(a.link.expiresAt), a.link.downloadsLeft)));
        } else {
          li.appendChild(el('div', { className: 'kv muted' }, t('linkGone')));
        }
      }
      if ((a.history || []).length) li.appendChild(historyNode(a));
      list.appendChild(li);
    });
  }

  // historyNode is the application's history: every state and step, when.
  function historyNode(a) {
    var hist = el('ol', { className: 'history' });
    (a.history || []).forEach(function (h) {
      hist.appendChild(el('li', null, el('span', { className: 'muted when' }, YJ.fmtTime(h.at)), ' ',
        el('strong', null, t(h.step ? 'step_' + h.step : 'st_' + h.to)), h.reason ? '：' + h.reason : ''));
    });
    return el('details', { className: 'history-box' }, el('summary', null, t('historyTitle') + '（' + a.history.length + '）'), hist);
  }

  // correctionNode is the open round of 补正 on the lawyer's card: each
  // item the clerk named with its reason and, in place, what answers it — a
  // new document (its verdict shown at once, as on the form) or the field's
  // new value; nothing else can be changed. Uploaded documents and typed
  // values survive the list's refreshes (corr).
  var corr = {}; // application id → { files: {field: attachment}, values: {field: text} }
  function correctionNode(a) {
    var round = (a.corrections || [])[(a.corrections || []).length - 1] || {};
    var st = corr[a.id] = corr[a.id] || { files: {}, values: {} };
    var form = el('form', { className: 'correction-ask', novalidate: true, 'data-app': a.id });
    form.appendChild(el('p', null, el('strong', null, t('corrTitle', (round.asked && round.asked.byName) || '', YJ.fmtTime(round.asked && round.asked.at)))));
    (round.items || []).forEach(function (it) {
      var f = it.field, id = 'fix-' + a.id + '-' + f.replace(/\./g, '-');
      var label = t('corrField_' + f);
      var row = el('div', { className: 'fix', 'data-field': f });
      row.appendChild(el('div', null, el('strong', null, label), '：' + it.reason));
      var err = el('div', { id: id + '-error', className: 'error', 'data-error-for': f, hidden: true });
      if (f.indexOf('attachments.') === 0) {
        var kind = f.slice('attachments.'.length);
        var input = el('input', { type: 'file', id: id, accept: '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png', 'aria-describedby': id + '-error' });
        var state = el('div', { className: 'file-state', 'aria-live': 'polite' });
        var got = st.files[f];
        // show puts a document's verdict at its item: refused in red with
        // the reason in the item's error box (where submit puts it too).
        var show = function (x) {
          var facts = [{ 'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG' }[x.contentType] || x.contentType];
          if (x.pages) facts.push(t('filePages', x.pages));
          YJ.clear(err);
          err.hidden = true;
          input.removeAttribute('aria-invalid');
          if (x.verdict === 'refused') {
            state.textContent = '✗ ' + t('fileBad', x.filename);
            err.appendChild(el('div', null, YJ.apiText(x.reason || '')));
            err.hidden = false;
            input.setAttribute('aria-invalid', 'true');
          } else {
            state.textContent = '✓ ' + t('fileOk', x.filename, facts.join(' · '));
          }
          state.className = 'file-state ' + (x.verdict === 'refused' ? 'bad' : 'ok');
        };
        if (st.files[f]) show(st.files[f]);
        input.addEventListener('change', function () {
          var file = input.files && input.files[0];
          delete st.files[f];
          if (!file) return;
          state.className = 'file-state';
          state.textContent = t('uploading', 0);
          YJ.api('POST', '/attachments', { kind: kind, filename: file.name, size: file.size }).then(function (at) {
            return YJ.upload(at.uploadUrl, file, function (p) { state.textContent = t('uploading', p); }).then(function () {
              var tries = 0;
              var poll = function () {
                return YJ.api('GET', '/attachments/' + encodeURIComponent(at.id)).then(function (x) {
                  if (x.uploaded && x.verdict) return x;
                  if (++tries > 120) throw new Error(t('fileNotArrived'));
                  return YJ.sleep(250).then(poll);
                });
              };
              return poll();
            });
          }).then(function (x) {
            st.files[f] = x;
            show(x);
          }, function (e) {
            state.className = 'file-state bad';
            state.textContent = '✗ ' + t('uploadFailed', e.message || String(e));
          });
        });
        row.appendChild(el('label', { for: id }, t('corrFileFor', label)));
        row.appendChild(input);
        row.appendChild(state);
      } else {
        var cur = f === 'client' ? a.client : (a.lawyer || {})[f.slice('lawyer.'.length)];
        var text = el('input', { type: 'text', id: id, name: f, value: f in st.values ? st.values[f] : (cur || ''), 'aria-describedby': id + '-error' });
        text.addEventListener('input', function () { st.values[f] = text.value; });
        row.appendChild(el('label', { for: id }, label));
        row.appendChild(text);
      }
      row.appendChild(err);
      form.appendChild(row);
    });
    if (round.note) form.appendChild(el('p', { className: 'muted' }, round.note));
    form.appendChild(el('p', { className: 'muted' }, t('corrClock')));
    form.appendChild(el('div', { className: 'form-error', 'data-error-for': '_', role: 'alert', hidden: true }));
    var send = el('button', { type: 'submit', className: 'fix-submit' }, t('corrSubmit'));
    form.appendChild(el('div', { className: 'buttons' }, send));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { attachments: {}, lawyer: {} };
      (round.items || []).forEach(function (it) {
        var f = it.field;
        if (f.indexOf('attachments.') === 0) {
          if (st.files[f]) body.attachments[f.slice('attachments.'.length)] = st.files[f].id;
        } else {
          var v = form.querySelector('[name="' + f + '"]').value.trim();
          if (f === 'client') body.client = v;
          else body.lawyer[f.slice('lawyer.'.length)] = v;
        }
      });
      send.disabled = true;
      YJ.clearProblems(form);
      YJ.api('POST', '/applications/' + encodeURIComponent(a.id) + '/resubmission', body).then(function () {
        delete corr[a.id];
        return load().then(function () { YJ.status(YJ.$('#apps-status'), t('corrSent'), 'ok'); });
      }, function (err) {
        send.disabled = false;
        YJ.showProblems(form, err);
        var first = form.querySelector('[data-error-for]:not([hidden])');
        var input = first && first.parentNode.querySelector('input');
        if (input) input.focus();
      });
    });
    return form;
  }

  function renewLink(id, btn, st) {
    btn.disabled = true;
    YJ.status(st, t('renewing'));
    YJ.api('POST', '/applications/' + encodeURIComponent(id) + '/link', {}).then(function () {
      return load().then(function () { YJ.status(YJ.$('#apps-status'), t('renewed')); });
    }, function (err) {
      btn.disabled = false;
      var ps = (err.problems || []).map(function (p) { return p.message; });
      YJ.status(st, ps.length ? ps.join('；') : err.message, 'error');
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
        caseNumbers();
        prefill();
      }
    }, function (err) {
      YJ.status(st, err.message, 'error');
    });
  }

  // ---- notices ------------------------------------------------------------
  var noticesJSON = '';
  var notices = [];

  function renderNotices() {
    var list = YJ.$('#notices');
    YJ.clear(list);
    if (!notices.length) {
      list.appendChild(el('li', { className: 'muted' }, t('noNotices')));
      return;
    }
    notices.forEach(function (n) { list.appendChild(YJ.noticeNode(n)); });
  }

  function loadNotices() {
    return YJ.api('GET', '/notices').then(function (data) {
      YJ.status(YJ.$('#notices-status'), '');
      var ns = ((data && data.notices) || []).slice();
      ns.sort(function (x, y) { return String(y.createdAt || '').localeCompare(String(x.createdAt || '')); });
      var j = JSON.stringify(ns);
      if (j === noticesJSON) return;
      noticesJSON = j;
      notices = ns;
      renderNotices();
      caseNumbers();
    }, function (err) {
      YJ.status(YJ.$('#notices-status'), err.message, 'error');
    });
  }

  // ---- complaints ---------------------------------------------------------
  var complaintsJSON = '';
  var complaints = [];

  // answerNode shows a written answer: when, by whom, the text and whom
  // to call.
  function answerNode(a, cls, verdict) {
    var box = el('div', { className: 'reply ' + (cls || '') });
    box.appendChild(el('div', null, verdict || null, verdict ? ' ' : null,
      el('span', { className: 'muted' }, YJ.fmtTime(a.at) + (a.byName ? ' · ' + a.byName : ''))));
    return box;
  }

  function renderComplaints() {
    var list = YJ.$('#complaints');
    YJ.clear(list);
    if (!complaints.length) {
      list.appendChild(el('li', { className: 'muted' }, t('noComplaints')));
      return;
    }
    complaints.forEach(function (k) {
      var li = el('li', { 'data-id': k.id, 'data-status': k.status, className: k.overdue ? 'overdue' : null });
      li.appendChild(el('div', { className: 'item-head' },
        el('span', null, el('strong', null, t('ck_' + k.kind)), k.urgent ? el('span', { className: 'badge badge-urgent' }, t('urgent')) : null),
        el('span', { className: 'status status-' + k.status }, t('cs_' + k.status))));
      li.appendChild(el('div', { className: 'kv' },
        k.caseNo ? el('span', { className: 'k' }, t('caseNoLabel')) : el('span', { className: 'k' }, t('unitLabel')),
        k.caseNo || k.unit,
        el('span', { className: 'k' }, ' · ' + t('submittedAt')), YJ.fmtTime(k.submittedAt)));
      if (k.status === 'open') {
        li.appendChild(el('div', { className: 'kv' }, YJ.deadlineNode(k)));
      } else {
        li.appendChild(el('div', { className: 'kv muted' }, t('deadline') + ' ' + (YJ.fmtDate(k.deadline) || '—')));
      }
      if (k.periodLabel) li.appendChild(el('div', { className: 'kv muted' }, t('periodLabel') + YJ.colon() + k.periodLabel));
      li.appendChild(el('div', { className: 'quote' }, k.description || ''));
      if (k.answer) {
        var box = answerNode(k.answer, 'reply-ok', el('strong', null, t('answerLabel')));
        box.appendChild(el('div', { className: 'reply-reason answer-text' }, k.answer.text));
        var cn = YJ.contactNode(k.answer.contact);
        if (cn) box.appendChild(cn);
        li.appendChild(box);
      }
      list.appendChild(li);
    });
  }

  function loadComplaints() {
    return YJ.api('GET', '/complaints').then(function (data) {
      YJ.status(YJ.$('#complaints-status'), '');
      var cs = (data && data.complaints) || [];
      var j = JSON.stringify(cs);
      if (j === complaintsJSON) return;
      complaintsJSON = j;
      complaints = cs;
      renderComplaints();
    }, function (err) {
      YJ.status(YJ.$('#complaints-status'), err.message, 'error');
    });
  }

  function fileComplaint(ev) {
    ev.preventDefault();
    var form = YJ.$('#complaint-form');
    var btn = YJ.$('#complaint-submit');
    var ok = YJ.$('#complaint-ok');
    YJ.clearProblems(form);
    ok.hidden = true;
    var body = {
      kind: YJ.$('#cp-kind').value, urgent: YJ.$('#cp-urgent').checked,
      caseNo: val('#cp-caseNo'), unit: val('#cp-unit'), phone: val('#cp-phone'), firm: val('#cp-firm'),
      description: val('#cp-description'), attachments: []
    };
    btn.disabled = true;
    YJ.api('POST', '/complaints', body).then(function (k) {
      YJ.status(ok, t('cpFiled', YJ.fmtDate(k.deadline) || '—', k.periodLabel || ''), 'ok');
      YJ.$('#cp-description').value = '';
      YJ.$('#cp-urgent').checked = false;
      complaintsJSON = '';
      return loadComplaints();
    }, function (err) {
      YJ.showProblems(form, err);
    }).finally(function () { btn.disabled = false; });
  }

  // ---- opinions -----------------------------------------------------------
  var opinionsJSON = '';
  var opinions = [];

  function renderOpinions() {
    var list = YJ.$('#opinions');
    YJ.clear(list);
    if (!opinions.length) {
      list.appendChild(el('li', { className: 'muted' }, t('noOpinions')));
      return;
    }
    opinions.forEach(function (o) {
      var li = el('li', { 'data-id': o.id, 'data-status': o.status });
      li.appendChild(el('div', { className: 'item-head' },
        el('strong', null, o.caseNo),
        el('span', { className: 'status status-' + o.status }, t('os_' + o.status))));
      li.appendChild(el('div', { className: 'kv' }, el('span', { className: 'k' }, t('submittedAt')), YJ.fmtTime(o.submittedAt)));
      li.appendChild(el('div', { className: 'quote' }, o.text || ''));
      var r = o.reply;
      if (r) {
        var box = answerNode(r, r.adopted ? 'reply-ok' : 'reply-refused',
          el('span', { className: 'verdict badge ' + (r.adopted ? 'badge-ok' : 'badge-no') }, r.adopted ? t('adopted') : t('notAdopted')));
        box.appendChild(el('div', { className: 'reply-reason' }, el('span', { className: 'k' }, t('reason') + YJ.colon()), r.reason));
        var cn = YJ.contactNode(r.contact);
        if (cn) box.appendChild(cn);
        li.appendChild(box);
      } else if (o.status === 'unanswered') {
        li.appendChild(el('div', { className: 'kv muted' }, t('opWaiting')));
      }
      list.appendChild(li);
    });
  }

  function loadOpinions() {
    return YJ.api('GET', '/opinions').then(function (data) {
      YJ.status(YJ.$('#opinions-status'), '');
      var os = (data && data.opinions) || [];
      var j = JSON.stringify(os);
      if (j === opinionsJSON) return;
      opinionsJSON = j;
      opinions = os;
      renderOpinions();
      caseNumbers();
    }, function (err) {
      YJ.status(YJ.$('#opinions-status'), err.message, 'error');
    });
  }

  function submitOpinion(ev) {
    ev.preventDefault();
    var form = YJ.$('#opinion-form');
    var btn = YJ.$('#opinion-submit');
    var ok = YJ.$('#opinion-ok');
    YJ.clearProblems(form);
    ok.hidden = true;
    var caseNo = val('#op-caseNo');
    var text = val('#op-text');
    if (!caseNo) {
      var ps = [{ field: 'caseNo', message: t('needCaseNo') }];
      if (!text) ps.push({ field: 'text', message: t('needText') });
      YJ.showProblems(form, { problems: ps });
      return;
    }
    btn.disabled = true;
    YJ.api('POST', '/cases/' + encodeURIComponent(caseNo) + '/opinions', { text: text, attachments: [] }).then(function (o) {
      YJ.status(ok, t('opSubmitted', o.caseNo || caseNo), 'ok');
      YJ.$('#op-text').value = '';
      opinionsJSON = '';
      return loadOpinions();
    }, function (err) {
      // Not found (or not bound) is about the case number.
      if (err.status === 404) {
        err.problems = [{ field: 'caseNo', message: err.message }];
        err.quiet = true;
      }
      YJ.showProblems(form, err);
    }).finally(function () { btn.disabled = false; });
  }

  // caseNumbers offers the case numbers the lawyer has met (applications,
  // notices, opinions) in the forms' case-number fields.
  function caseNumbers() {
    var seen = {};
    var add = function (no) { if (no) seen[no] = true; };
    lastApps.forEach(function (a) { add(a.caseNo); });
    notices.forEach(function (n) { add(n.caseNo); });
    opinions.forEach(function (o) { add(o.caseNo); });
    complaints.forEach(function (k) { add(k.caseNo); });
    var dl = YJ.$('#case-nos');
    YJ.clear(dl);
    Object.keys(seen).sort().forEach(function (no) { dl.appendChild(el('option', { value: no })); });
  }

  // prefill fills phone and firm from the latest application, if empty.
  function prefill() {
    var a = lastApps[0];
    if (!a || !a.lawyer) return;
    if (!YJ.$('#cp-phone').value) YJ.$('#cp-phone').value = a.lawyer.phone || '';
    if (!YJ.$('#cp-firm').value) YJ.$('#cp-firm').value = a.lawyer.firm || '';
  }

  function loadService() {
    return Promise.all([loadNotices(), loadComplaints(), loadOpinions()]);
  }

  function start() {
    YJ.frame(c);
    YJ.onLang(function () { render(lastApps); renderNotices(); renderComplaints(); renderOpinions(); });
    if (!YJ.$('#lawyer-name').value) YJ.$('#lawyer-name').value = c.name || '';
    if (!YJ.$('#lawyer-license').value) YJ.$('#lawyer-license').value = c.sub || '';
    // The account's firm and mobile number (GET /me) start the forms;
    // what the lawyer typed, or a draft put back, is kept.
    YJ.api('GET', '/me').then(function (p) {
      if (!p) return;
      [['#lawyer-firm', p.firm], ['#lawyer-phone', p.phone], ['#cp-firm', p.firm], ['#cp-phone', p.phone]].forEach(function (f) {
        var n = YJ.$(f[0]);
        if (n && !n.value && f[1]) n.value = f[1];
      });
    }, function () { /* the forms stay as they are: nothing is lost */ });
    Object.keys(slots).forEach(function (name) {
      slotInput(name).addEventListener('change', function () { startUpload(name); });
    });
    YJ.$('#att-authority-kind').addEventListener('change', function () { startUpload('authority'); });
    YJ.$('#apply').addEventListener('submit', submit);
    YJ.$('#refresh').addEventListener('click', function () { lastJSON = ''; load(); });
    YJ.$('#complaint-form').addEventListener('submit', fileComplaint);
    YJ.$('#opinion-form').addEventListener('submit', submitOpinion);
    YJ.$('#notices-refresh').addEventListener('click', function () { noticesJSON = ''; loadNotices(); });
    YJ.$('#complaints-refresh').addEventListener('click', function () { complaintsJSON = ''; loadComplaints(); });
    YJ.$('#opinions-refresh').addEventListener('click', function () { opinionsJSON = ''; loadOpinions(); });
    render([]);
    ['#notices', '#complaints', '#opinions'].forEach(function (sel) {
      YJ.$(sel).appendChild(el('li', { className: 'muted' }, t('loading')));
    });
    load();
    loadService();
    // Follow the status while the page is open.
    setInterval(function () { if (!document.hidden) load(); }, 4000);
    setInterval(function () { if (!document.hidden) loadService(); }, 8000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
