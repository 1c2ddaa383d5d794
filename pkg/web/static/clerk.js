// clerk.js: the unit's queue of applications by deadline (approve, or
// refuse with a reason); lawyers' complaints by deadline (answered in
// writing) and written opinions (adopted or not, and why); per case: the
// bound lawyers, the procedural decisions they are told of, and concluding
// the case; the unit's notices. The cases, their materials and uploads are
// materials.js's.
'use strict';

(function () {
  var YJ = window.YJ;
  var t = YJ.t, el = YJ.el;
  YJ.addMessages({
    pageTitle: ['案管 · 阅卷', 'Clerk · Yuejuan'],
    navQueue: ['待办申请', 'Queue'],
    navUpload: ['上传卷宗', 'Upload scans'],
    navCase: ['登记案件', 'Register a case'],
    queueTitle: ['待办申请（按答复期限排序）', 'Open applications (by deadline)'],
    queueEmpty: ['没有待办的阅卷申请。', 'No open applications.'],
    lawyerLabel: ['律师', 'Lawyer'],
    licenseLabel: ['执业证号', 'Certificate no.'],
    phoneLabel: ['电话', 'Phone'],
    clientLabel: ['委托人', 'Client'],
    channelLabel: ['来源', 'Channel'],
    ch_online: ['网上申请', 'Online'],
    ch_hotline: ['12309 热线', '12309 hotline'],
    ch_centre: ['12309 服务中心', '12309 centre'],
    flag_legacy_license_12_digits: ['旧版 12 位执业证号，请核实', 'Legacy 12-digit certificate number: check it'],
    approve: ['批准', 'Approve'],
    refuse: ['不予许可', 'Refuse'],
    approveAsk: ['批准…', 'Approve…'],
    refuseAsk: ['不予许可…', 'Refuse…'],
    approveConfirm: ['确认批准 {0} 查阅 {1} 的案卷？批准后将生成卷宗并通知律师，不能撤回。', 'Approve {0}\'s review of {1}? The dossier is then prepared and the lawyer told; this cannot be undone.'],
    approveYes: ['确认批准', 'Confirm approval'],
    refuseConfirm: ['确认对 {0} 查阅 {1} 的申请不予许可？理由将告知律师，不能撤回。', 'Refuse {0}\'s application for {1}? The lawyer is told the reason; this cannot be undone.'],
    refuseYes: ['确认不予许可', 'Confirm refusal'],
    awaitingScans: ['等待扫描件', 'Waiting for scans'],
    id_pending: ['身份待核验', 'Identity not checked'],
    id_verified: ['身份已核验', 'Identity verified'],
    id_rejected: ['身份核验不通过', 'Identity rejected'],
    idCheck: ['核验身份', 'Check identity'],
    idConfirm: ['请核对 {0} 的执业证号 {1} 与执业证扫描件。核验结果对本人所有申请生效，不能撤回。', 'Check {0}\'s certificate number {1} against the certificate scan. The result holds for all of the lawyer\'s applications and cannot be undone.'],
    idVerify: ['身份属实', 'Verified'],
    idReject: ['不通过', 'Reject'],
    idReason: ['不通过的理由（选择不通过时必填）', 'Reason for rejection (required to reject)'],
    idReasonRequired: ['身份核验不通过必须说明理由', 'A rejection needs its reason'],
    idDone: ['已记录 {0} 的身份核验结果。', 'Recorded the identity check of {0}.'],
    awaitingScansHint: ['本案尚无已通过检查的卷宗材料，上传并检查通过后方可批准。', 'The case has no accepted scans yet; approve once one is uploaded and accepted.'],
    navHandled: ['已办申请', 'Handled'],
    handledTitle: ['已办申请（最近决定在前）', 'Handled applications (latest decision first)'],
    handledEmpty: ['没有符合条件的已办申请。', 'No handled applications match.'],
    handledState: ['状态', 'State'],
    handledAll: ['全部', 'All'],
    handledFrom: ['决定日期自', 'Decided from'],
    handledTo: ['至', 'to'],
    handledSearch: ['查询', 'Search'],
    decidedAt: ['决定时间（北京时间）', 'Decided (Beijing time)'],
    decidedBy: ['决定人', 'Decided by'],
    replyReason: ['理由', 'Reason'],
    historyTitle: ['办理经过', 'History'],
    historyBy: ['经办', 'by'],
    systemActor: ['系统', 'the system'],
    refuseReason: ['不予许可的理由（必填，将告知律师）', 'Reason for refusal (required; the lawyer is told)'],
    reasonRequired: ['不予许可必须书面说明理由', 'A refusal needs a written reason'],
    decidedApprove: ['已批准 {0} 的申请，卷宗生成后将自动通知律师。', 'Approved {0}\'s application; the lawyer is told when the dossier is ready.'],
    decidedRefuse: ['已对 {0} 的申请作出不予许可答复。', 'Refused {0}\'s application with your reason.'],
    caseSelect: ['案件', 'Case'],
    noCases: ['本单位尚未登记案件，请先在下方登记。', 'No cases registered for your unit yet: register one below.'],
    stage: ['诉讼阶段', 'Stage'],
    stage_investigation: ['侦查', 'Investigation'],
    stage_arrest_review: ['审查逮捕', 'Arrest review'],
    stage_prosecution_review: ['审查起诉', 'Prosecution review'],
    stage_trial: ['审判', 'Trial'],
    stage_closed: ['已结案', 'Closed'],
    footer: ['如需帮助请致电 12309 检察服务热线', 'For help call the 12309 procuratorate hotline'],
    navComplaints: ['申诉控告', 'Complaints'],
    navOpinions: ['律师意见', 'Opinions'],
    navWork: ['案件办理', 'Case work'],
    navNotices: ['本单位通知', 'Notices'],
    complaintsTitle: ['律师申诉控告（按办理期限排序）', 'Lawyers\' complaints (by deadline)'],
    complaintsEmpty: ['没有待办的申诉控告。', 'No open complaints.'],
    complaintsDone: ['已答复办结（{0}）', 'Answered ({0})'],
    complaintStats: ['本单位共受理 {0} 件：已办结 {1} 件（按期 {2}，超期 {3}），办理中 {4} 件（其中超期 {5}）；按期办结率 {6}%。',
      'Received {0}: answered {1} (on time {2}, late {3}), open {4} (overdue {5}); on-time rate {6}%.'],
    unitLabel: ['受理单位', 'Unit'],
    periodLabel: ['办理时限', 'Period'],
    answerLabelForm: ['书面答复（必填，将告知律师；答复后办结）', 'Written answer (required; the lawyer is told, and the complaint closes)'],
    answerSubmit: ['答复并办结', 'Answer and close'],
    answerRequired: ['必须书面答复后方可办结', 'A written answer is required to close a complaint'],
    answered: ['已答复 {0} 的申诉控告，律师将收到通知。', 'Answered {0}\'s complaint; the lawyer is told.'],
    answerLabel: ['书面答复', 'Written answer'],
    opinionsTitle: ['律师书面意见', 'Lawyers\' written opinions'],
    opinionsIntro: ['对律师提出的书面意见，承办人应当审查并书面答复是否采纳及理由；有未答复的意见，案件不能办结。',
      'Answer each written opinion in writing: adopted or not, and why. A case with an unanswered opinion cannot be concluded.'],
    opinionsEmpty: ['没有待答复的律师意见。', 'No opinions awaiting an answer.'],
    opinionsDone: ['已答复（{0}）', 'Answered ({0})'],
    adoptedQ: ['是否采纳', 'Adopted?'],
    adoptYes: ['采纳', 'Adopted'],
    adoptNo: ['不采纳', 'Not adopted'],
    replyReason: ['理由（必填，将告知律师）', 'Reason (required; the lawyer is told)'],
    replySubmit: ['提交答复', 'Send the answer'],
    needAdopted: ['请选择是否采纳', 'Choose whether the opinion is adopted'],
    needReason: ['请说明采纳或不采纳的理由', 'Give the reason, whether adopted or not'],
    replied: ['已答复 {0} 的书面意见，律师将收到通知。', 'Answered {0}\'s opinion; the lawyer is told.'],
    reasonLabel: ['理由', 'Reason'],
    workTitle: ['案件办理', 'Case work'],
    handlerLabel: ['承办人', 'Handler'],
    concludedBadge: ['已办结', 'Concluded'],
    lawyersTitle: ['辩护律师（程序性决定将告知以下律师）', 'Counsel (told of procedural decisions)'],
    lawyersEmpty: ['本案尚无辩护律师：律师申请阅卷后，或在下方登记后，即会收到程序性决定告知。', 'No counsel yet: lawyers are told of decisions once they apply, or once registered below.'],
    src_explicit: ['案管登记', 'Registered by clerk'],
    src_application: ['阅卷申请', 'By application'],
    bindTitle: ['登记辩护律师', 'Register counsel'],
    bindHint: ['律师在侦查、审查逮捕阶段即已接受委托、尚未申请阅卷的，在此登记后即可收到程序性决定告知并提交书面意见。',
      'For a lawyer retained before file review: once registered, the lawyer is told of procedural decisions and may submit opinions.'],
    bLicense: ['执业证号（17 位）', 'Practice certificate no. (17 digits)'],
    bName: ['律师姓名', 'Lawyer\'s name'],
    bPhone: ['律师电话（接收告知短信）', 'Lawyer\'s phone (for the SMS)'],
    bFirm: ['律师事务所（选填）', 'Law firm (optional)'],
    bClient: ['委托人（选填，须为本案犯罪嫌疑人/被告人）', 'Client (optional; a defendant of this case)'],
    bindSubmit: ['登记为本案辩护律师', 'Register as counsel'],
    bound: ['已登记 {0} 为本案辩护律师。', 'Registered {0} as counsel on this case.'],
    decisionTitle: ['记录程序性决定并告知律师', 'Record a procedural decision and tell counsel'],
    dKind: ['决定类型', 'Decision'],
    dText: ['决定内容（“其他”必填；将连同承办人姓名、电话告知律师）', 'Text (required for “other”; sent with the handler\'s name and phone)'],
    decisionSubmit: ['记录并告知', 'Record and notify'],
    decided: ['已记录“{0}”，已告知 {1} 名律师：', 'Recorded “{0}”; {1} lawyer(s) notified:'],
    decidedNone: ['已记录“{0}”。本案尚无辩护律师，未发送告知。', 'Recorded “{0}”. The case has no counsel yet; nobody was notified.'],
    decisionsEmpty: ['尚未记录程序性决定。', 'No procedural decisions yet.'],
    notifiedLabel: ['告知', 'Notified'],
    concludeTitle: ['办结', 'Conclude'],
    concludeHint: ['律师书面意见均已答复后方可办结；办结后不再接收书面意见。', 'A case can be concluded once every written opinion is answered; then it takes no more opinions.'],
    conclude: ['办结本案', 'Conclude the case'],
    concludeAsk: ['确认办结本案？办结后不再接收律师书面意见。', 'Conclude this case? It will take no more written opinions.'],
    concludeYes: ['确认办结', 'Conclude'],
    cancel: ['取消', 'Cancel'],
    concluded: ['{0} 已办结。', '{0} is concluded.'],
    concludedAt: ['已于北京时间 {0} 办结', 'Concluded {0} (Beijing time)'],
    goReply: ['去答复', 'Answer it'],
    unitNoticesIntro: ['时间均为北京时间。', 'Times are Beijing time.'],
    unitNoticesTitle: ['本单位通知（到期提醒、超期、新收申诉与意见）', 'Unit notices (due today, overdue, new complaints and opinions)'],
    unitNoticesEmpty: ['暂无通知。', 'No notices.'],
    noCase: ['请先在下方登记案件。', 'Register a case below first.'],
    filesTitle: ['申请材料（{0} 份，点击查看）', 'Documents ({0}; open to view)'],
    filesNone: ['未见申请材料。', 'No documents.'],
    fk_practice_certificate: ['律师执业证', 'Practice certificate'],
    fk_firm_letter: ['律师事务所证明', 'Firm letter'],
    fk_power_of_attorney: ['授权委托书', 'Power of attorney'],
    fk_legal_aid_letter: ['法律援助公函', 'Legal-aid letter'],
    fk_supporting_document: ['其他材料', 'Other document'],
    filePages: ['{0} 页', '{0} page(s)'],
    fileAccepted: ['检查通过', 'Checked'],
    fileRefused: ['不符合要求', 'Refused'],
    fileOpen: ['在新窗口打开', 'Open in a new window'],
    fileNotShown: ['该文件不是 PDF 或图片，不在页面中显示。', 'Not a PDF or an image: not shown in the page.'],
    ackAsk: ['受理…', 'Acknowledge…'],
    ackConfirm: ['确认受理 {0} 的申请？将向律师发送受理回执（受理回执号 {1}）及答复期限。', 'Acknowledge {0}\'s application? The lawyer is sent the receipt ({1}) and the reply date.'],
    ackYes: ['确认受理', 'Confirm'],
    ackDone: ['已受理 {0} 的申请，受理回执已发送律师。', 'Acknowledged {0}\'s application; the receipt was sent.'],
    acknowledged: ['{0} · {1}（北京时间）', '{0} · {1} (Beijing time)'],
    corrAsk: ['要求补正…', 'Ask for corrections…'],
    corrTitle: ['请勾选需要律师补正的项目，并写明原因（将一次性告知律师）：', 'Tick what the lawyer must fix and say why (told all at once):'],
    corrReasonFor: ['{0}：补正原因', '{0}: why'],
    corrNote: ['补充说明（可选）', 'Note (optional)'],
    corrYes: ['发送补正通知', 'Send'],
    corrNone: ['请至少勾选一项需要补正的内容', 'Tick at least one item'],
    corrReasonNeeded: ['请写明需要补正的原因', 'Say why'],
    corrDone: ['已通知 {0} 补正，律师重新提交后将回到待办。', 'Told {0} what to fix; the application returns to the queue when resubmitted.'],
    corrWaiting: ['等待律师补正（{0} 要求，北京时间）：', 'Waiting for the lawyer\'s corrections (asked {0}, Beijing time):'],
    corrClock: ['补正期间答复期限暂停计算，律师重新提交后重新计算三日。', 'The reply clock stops while the lawyer corrects; three days run again from the resubmission.'],
    cf_client: ['委托人', 'Client'],
    'cf_lawyer.firm': ['律师事务所', 'Law firm'],
    'cf_lawyer.phone': ['联系电话', 'Phone'],
    'cf_attachments.practice_certificate': ['律师执业证', 'Practice certificate'],
    'cf_attachments.firm_letter': ['律师事务所证明', 'Firm letter'],
    'cf_attachments.power_of_attorney': ['授权委托书或法律援助公函', 'Power of attorney or legal-aid letter'],
    failureTitle: ['卷宗未能生成', 'The dossier could not be made'],
    failureNext: ['下一步：', 'What to do: '],
    failNext_too_large: ['本案材料超出卷宗上限。请在“案件材料”中删除重复或无关的材料、合并或压缩过大的扫描件后重新上传；材料变更后系统会自动重新生成并通知律师。如确需全部材料，请联系律师安排现场阅卷。',
      'The case is over the dossier\'s limits. Remove duplicate or unrelated materials, or re-upload oversized scans smaller, under the case\'s materials; a change of materials rebuilds the dossier and tells the lawyer. If every page is needed, arrange on-site review with the lawyer.'],
    failNext_over_budget: ['卷宗生成超时。材料变更后系统会自动重试；如急需，请联系系统管理员，或联系律师安排现场阅卷。',
      'Building the dossier ran out of time. A change of materials retries it; if urgent, call the administrator, or arrange on-site review with the lawyer.'],
    failNext_other: ['请联系系统管理员，或联系律师安排现场阅卷。', 'Call the administrator, or arrange on-site review with the lawyer.']
  });

  // The items a clerk may ask the lawyer to fix (application.Correctable).
  var correctable = ['attachments.practice_certificate', 'attachments.firm_letter', 'attachments.power_of_attorney',
    'client', 'lawyer.firm', 'lawyer.phone'];

  var c = YJ.requireRole('clerk');
  if (!c) return;

  // ---- queue --------------------------------------------------------------
  var queueJSON = '';
  var queueApps = [];
  var opened = {}; // application id → the decision panel open on its card
  var failed = {}; // application id → why its last decision was refused

  // ---- documents ------------------------------------------------------------
  // filesNode lists an application's documents with what they really are
  // (the sniffed type, size, pages, verdict); each opens in place, a PDF in
  // a frame and an image as an image. A preview is fetched only when opened:
  // each opening is audited as the clerk's (attachment.view).
  var previewOpen = {}; // application id + file id → its preview is open

  function typeLabel(ct) {
    return { 'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG' }[ct] || ct || '?';
  }

  function fileURL(a, f) {
    return YJ.apiBase + '/applications/' + encodeURIComponent(a.id) + '/attachments/' + encodeURIComponent(f.id);
  }

  function filesNode(a) {
    var files = a.files || [];
    var box = el('div', { className: 'files' },
      el('div', { className: 'k files-title' }, files.length ? t('filesTitle', files.length) : t('filesNone')));
    var list = el('ul', { className: 'file-list' });
    files.forEach(function (f) {
      var key = a.id + '/' + f.id;
      var refused = f.verdict === 'refused';
      var facts = [typeLabel(f.contentType)];
      if (f.pages) facts.push(t('filePages', f.pages));
      if (f.size) facts.push(YJ.fmtSize(f.size));
      var summary = el('summary', null,
        el('span', { className: 'file-kind' }, t('fk_' + f.kind)), ' ',
        el('span', { className: 'file-name' }, f.filename || ''), ' ',
        el('span', { className: 'file-facts muted' }, facts.join(' · ')), ' ',
        el('span', { className: 'badge ' + (refused ? 'badge-no' : 'badge-ok') }, t(refused ? 'fileRefused' : 'fileAccepted')));
      var body = el('div', { className: 'file-body' });
      var details = el('details', { className: 'file', 'data-file-id': f.id, 'data-type': f.contentType || '' }, summary, body);
      if (refused && f.reason) body.appendChild(el('p', { className: 'error' }, f.reason));
      var fill = function () {
        if (body.querySelector('.preview')) return;
        var url = fileURL(a, f);
        var title = t('fk_' + f.kind) + ' ' + (f.filename || '');
        var view;
        if (f.contentType === 'application/pdf') {
          view = el('iframe', { className: 'preview preview-pdf', src: url, title: title });
        } else if (/^image\/(jpeg|png)$/.test(f.contentType || '')) {
          view = el('img', { className: 'preview preview-image', src: url, alt: title });
        } else {
          view = el('p', { className: 'preview muted' }, t('fileNotShown'));
        }
        body.appendChild(view);
        body.appendChild(el('p', null, el('a', { href: url, target: '_blank', rel: 'noopener', className: 'file-open' }, t('fileOpen'))));
      };
      details.addEventListener('toggle', function () {
        previewOpen[key] = details.open;
        if (details.open) fill();
      });
      if (previewOpen[key]) {
        details.open = true;
        fill();
      }
      list.appendChild(el('li', null, details));
    });
    if (files.length) box.appendChild(list);
    return box;
  }

  function renderQueue(apps) {
    var list = YJ.$('#queue');
    // Keep reasons being written across a refresh.
    var typed = {};
    list.querySelectorAll('li[data-id] textarea[name="reason"]').forEach(function (ta) {
      if (ta.value) typed[ta.closest('li').getAttribute('data-id')] = ta.value;
    });
    YJ.clear(list);
    if (!apps.length) {
      list.appendChild(el('li', { className: 'muted' }, t('queueEmpty')));
      return;
    }
    apps.forEach(function (a) {
      var li = el('li', { 'data-id': a.id, 'data-status': a.status, className: a.overdue ? 'overdue' : null });
      li.appendChild(el('div', { className: 'item-head' },
        el('strong', null, a.caseNo),
        el('span', { className: 'status status-' + a.status }, t('st_' + a.status))));
      // While the lawyer corrects, the clock stops: no date to show
      // (deskNode says so).
      if (a.status !== 'needs_correction') li.appendChild(el('div', { className: 'kv' }, YJ.deadlineNode(a)));
      li.appendChild(el('div', { className: 'kv' },
        el('span', { className: 'k' }, t('clientLabel')), a.client || '—',
        el('span', { className: 'k' }, ' · ' + t('channelLabel')), t('ch_' + (a.channel || 'online')),
        el('span', { className: 'k' }, ' · ' + t('submittedAt')), YJ.fmtTime(a.submittedAt)));
      var l = a.lawyer || {};
      li.appendChild(el('div', { className: 'kv' },
        el('span', { className: 'k' }, t('lawyerLabel')), (l.name || '') + (l.firm ? '（' + l.firm + '）' : ''),
        el('span', { className: 'k' }, ' · ' + t('licenseLabel')), el('span', { className: 'mono' }, l.license || ''),
        el('span', { className: 'k' }, ' · ' + t('phoneLabel')), l.phone || ''));
      (a.flags || []).forEach(function (f) {
        li.appendChild(el('div', { className: 'kv' }, el('span', { className: 'badge badge-warn' }, t('flag_' + f))));
      });
      if (a.lawyerIdentity) li.appendChild(identityNode(a, l));
      li.appendChild(filesNode(a));
      if (a.awaitingScans) {
        li.appendChild(el('div', { className: 'kv awaiting-scans' }, el('span', { className: 'badge badge-warn' }, t('awaitingScans')), ' ', t('awaitingScansHint')));
      }
      li.appendChild(deskNode(a, l));
      // Each decision is asked twice: a first tap opens its own panel (the
      // refusal's with its reason box), the second confirms it. The two
      // first buttons sit at opposite ends of the card.
      var form = el('form', { className: 'decide', novalidate: true });
      var approve = el('button', { type: 'button', className: 'approve' }, t('approveAsk'));
      var refuse = el('button', { type: 'button', className: 'refuse secondary' }, t('refuseAsk'));
      var actions = el('div', { className: 'buttons decide-actions' }, approve, refuse);
      var approveYes = el('button', { type: 'button', className: 'approve-yes' }, t('approveYes'));
      var approveNo = el('button', { type: 'button', className: 'secondary approve-no' }, t('cancel'));
      var approvePanel = el('div', { className: 'confirm confirm-approve', role: 'group', hidden: true },
        el('p', null, t('approveConfirm', l.name || '', a.caseNo)),
        el('div', { className: 'buttons' }, approveYes, approveNo));
      var reasonId = 'reason-' + a.id;
      var refuseYes = el('button', { type: 'button', className: 'danger refuse-yes' }, t('refuseYes'));
      var refuseNo = el('button', { type: 'button', className: 'secondary refuse-no' }, t('cancel'));
      var refusePanel = el('div', { className: 'confirm confirm-refuse', role: 'group', hidden: true },
        el('label', { for: reasonId }, t('refuseReason')),
        el('textarea', { id: reasonId, name: 'reason', rows: '3', value: typed[a.id] || '', 'aria-describedby': reasonId + '-error' }),
        el('div', { id: reasonId + '-error', className: 'error', 'data-error-for': 'reason', hidden: true }),
        el('p', { className: 'muted' }, t('refuseConfirm', l.name || '', a.caseNo)),
        el('div', { className: 'buttons' }, refuseYes, refuseNo));
      form.appendChild(actions);
      form.appendChild(approvePanel);
      form.appendChild(refusePanel);
      form.appendChild(el('div', { className: 'form-error', 'data-error-for': '_', role: 'alert', hidden: true }));
      var open = function (which) {
        if (which) delete failed[a.id];
        opened[a.id] = which;
        actions.hidden = !!which;
        approvePanel.hidden = which !== 'approve';
        refusePanel.hidden = which !== 'reject';
        if (which === 'approve') approveYes.focus();
        if (which === 'reject') refusePanel.querySelector('textarea').focus();
        if (!which) { YJ.clearProblems(form); approve.focus(); }
      };
      var decide = function (decision) {
        var reason = decision === 'reject' ? refusePanel.querySelector('textarea').value.trim() : '';
        YJ.clearProblems(form);
        if (decision === 'reject' && !reason) {
          YJ.showProblems(form, { quiet: true, problems: [{ field: 'reason', message: t('reasonRequired') }] });
          refusePanel.querySelector('textarea').focus();
          return;
        }
        approveYes.disabled = refuseYes.disabled = true;
        YJ.api('POST', '/applications/' + encodeURIComponent(a.id) + '/decision', { decision: decision, reason: reason }).then(function () {
          delete opened[a.id];
          delete failed[a.id];
          YJ.status(YJ.$('#queue-status'), t(decision === 'approve' ? 'decidedApprove' : 'decidedRefuse', l.name || a.caseNo), 'ok');
          queueJSON = '';
          loadQueue(true);
          loadHandled();
        }, function (err) {
          approveYes.disabled = refuseYes.disabled = false;
          if (err.problems && err.problems.length) {
            YJ.showProblems(form, err);
            return;
          }
          // Refused as a whole (no scans yet, decided elsewhere): the
          // confirmation closes, the reason stays by the card.
          failed[a.id] = err;
          open('');
          YJ.showProblems(form, err);
        });
      };
      approve.addEventListener('click', function () { open('approve'); });
      refuse.addEventListener('click', function () { open('reject'); });
      approveNo.addEventListener('click', function () { open(''); });
      refuseNo.addEventListener('click', function () { open(''); });
      approveYes.addEventListener('click', function () { decide('approve'); });
      refuseYes.addEventListener('click', function () { decide('reject'); });
      form.addEventListener('submit', function (ev) { ev.preventDefault(); });
      // Waiting for the lawyer's corrections: refusing stays possible,
      // approving waits for the resubmission.
      if (a.status === 'needs_correction') approve.hidden = true;
      if (opened[a.id]) {
        actions.hidden = true;
        approvePanel.hidden = opened[a.id] !== 'approve';
        refusePanel.hidden = opened[a.id] !== 'reject';
      }
      if (failed[a.id]) YJ.showProblems(form, failed[a.id]);
      li.appendChild(form);
      list.appendChild(li);
    });
  }

  // deskNode is the card's 受理 and 补正: whether and by whom it was
  // acknowledged, or 受理… with its confirmation; the open round of 补正,
  // or 要求补正… with its panel (the items ticked, each with its reason, all
  // sent at once); the history so far. Each act is confirmed first.
  var deskOpen = {}; // application id → 'ack' or 'corr' panel open
  function deskNode(a, l) {
    var box = el('div', { className: 'desk' });
    var waiting = a.status === 'needs_correction';
    var rounds = a.corrections || [];
    var round = waiting && rounds.length ? rounds[rounds.length - 1] : null;
    if (a.acknowledged) {
      box.appendChild(el('div', { className: 'kv acknowledged' }, el('span', { className: 'badge badge-ok' }, t('step_acknowledged')), ' ',
        t('acknowledged', a.acknowledged.byName || a.acknowledged.by, YJ.fmtTime(a.acknowledged.at))));
    }
    if (round) {
      var items = el('ul', { className: 'correction-items' });
      (round.items || []).forEach(function (it) {
        items.appendChild(el('li', null, el('strong', null, t('cf_' + it.field)), '：' + it.reason));
      });
      box.appendChild(el('div', { className: 'correction-open' },
        el('div', null, el('span', { className: 'badge badge-warn' }, t('st_needs_correction')), ' ', t('corrWaiting', YJ.fmtTime(round.asked && round.asked.at))),
        items, round.note ? el('div', { className: 'muted' }, round.note) : null,
        el('div', { className: 'muted' }, t('corrClock'))));
    }
    var form = el('form', { className: 'desk-form', novalidate: true });
    var ackBtn = el('button', { type: 'button', className: 'secondary ack' }, t('ackAsk'));
    var corrBtn = el('button', { type: 'button', className: 'secondary correct' }, t('corrAsk'));
    var row = el('div', { className: 'buttons desk-actions' });
    if (!a.acknowledged) row.appendChild(ackBtn);
    if (!waiting) row.appendChild(corrBtn);
    // 受理's confirmation.
    var ackYes = el('button', { type: 'button', className: 'ack-yes' }, t('ackYes'));
    var ackNo = el('button', { type: 'button', className: 'secondary ack-no' }, t('cancel'));
    var ackPanel = el('div', { className: 'confirm confirm-ack', role: 'group', hidden: true },
      el('p', null, t('ackConfirm', l.name || '', a.receipt || '')), el('div', { className: 'buttons' }, ackYes, ackNo));
    // 补正's panel: one row per item, its reason box beside it.
    var rows = el('div', { className: 'corr-rows' });
    correctable.forEach(function (f) {
      var id = 'corr-' + a.id + '-' + f.replace(/\./g, '-');
      var cb = el('input', { type: 'checkbox', id: id, 'data-field': f });
      var reason = el('input', { type: 'text', id: id + '-reason', 'data-reason-for': f, 'aria-label': t('corrReasonFor', t('cf_' + f)),
        'aria-describedby': id + '-error' });
      var err = el('div', { id: id + '-error', className: 'error', 'data-error-for': 'corr:' + f, hidden: true });
      cb.addEventListener('change', function () { if (cb.checked) reason.focus(); });
      // A reason typed answers its error.
      reason.addEventListener('input', function () {
        if (reason.value.trim()) { YJ.clear(err); err.hidden = true; reason.removeAttribute('aria-invalid'); }
      });
      rows.appendChild(el('div', { className: 'corr-row' }, el('label', { for: id, className: 'check' }, cb, ' ' + t('cf_' + f)), reason, err));
    });
    var noteId = 'corr-note-' + a.id;
    var corrYes = el('button', { type: 'button', className: 'corr-yes' }, t('corrYes'));
    var corrNo = el('button', { type: 'button', className: 'secondary corr-no' }, t('cancel'));
    var corrPanel = el('div', { className: 'confirm confirm-correct', role: 'group', hidden: true },
      el('p', null, t('corrTitle')), rows,
      el('label', { for: noteId }, t('corrNote')), el('textarea', { id: noteId, rows: '2', 'data-note': '1' }),
      el('div', { className: 'buttons' }, corrYes, corrNo));
    form.appendChild(row);
    form.appendChild(ackPanel);
    form.appendChild(corrPanel);
    form.appendChild(el('div', { className: 'form-error', 'data-error-for': '_', role: 'alert', hidden: true }));
    var show = function (which) {
      deskOpen[a.id] = which;
      row.hidden = !!which;
      ackPanel.hidden = which !== 'ack';
      corrPanel.hidden = which !== 'corr';
      if (which === 'ack') ackYes.focus();
      if (which === 'corr') rows.querySelector('input').focus();
      if (!which) YJ.clearProblems(form);
    };
    var done = function (text) {
      delete deskOpen[a.id];
      YJ.status(YJ.$('#queue-status'), text, 'ok');
      queueJSON = '';
      loadQueue(true);
    };
    ackBtn.addEventListener('click', function () { show('ack'); });
    corrBtn.addEventListener('click', function () { show('corr'); });
    ackNo.addEventListener('click', function () { show(''); ackBtn.focus(); });
    corrNo.addEventListener('click', function () { show(''); corrBtn.focus(); });
    ackYes.addEventListener('click', function () {
      ackYes.disabled = true;
      YJ.api('POST', '/applications/' + encodeURIComponent(a.id) + '/acknowledgement', {}).then(function () {
        done(t('ackDone', l.name || a.caseNo));
      }, function (err) { ackYes.disabled = false; YJ.showProblems(form, err); });
    });
    corrYes.addEventListener('click', function () {
      var items = [], problems = [];
      rows.querySelectorAll('input[type=checkbox]').forEach(function (cb) {
        if (!cb.checked) return;
        var f = cb.getAttribute('data-field');
        var reason = rows.querySelector('[data-reason-for="' + f + '"]').value.trim();
        if (!reason) problems.push({ field: 'corr:' + f, message: t('corrReasonNeeded') });
        items.push({ field: f, reason: reason });
      });
      if (!items.length) problems.push({ field: '_', message: t('corrNone') });
      if (problems.length) {
        YJ.showProblems(form, { quiet: true, problems: problems });
        var first = form.querySelector('.corr-row [data-error-for]:not([hidden])');
        if (first) first.parentNode.querySelector('input[type=text]').focus();
        return;
      }
      corrYes.disabled = true;
      var note = corrPanel.querySelector('[data-note]').value.trim();
      YJ.api('POST', '/applications/' + encodeURIComponent(a.id) + '/correction', { items: items, note: note }).then(function () {
        done(t('corrDone', l.name || a.caseNo));
      }, function (err) {
        corrYes.disabled = false;
        // items[i] is the i-th item sent: shown at its row.
        (err.problems || []).forEach(function (p) {
          var m = /^items\[(\d+)\]/.exec(p.field || '');
          if (m && items[+m[1]]) p.field = 'corr:' + items[+m[1]].field;
        });
        YJ.showProblems(form, err);
      });
    });
    form.addEventListener('submit', function (ev) { ev.preventDefault(); });
    if (deskOpen[a.id]) {
      row.hidden = true;
      ackPanel.hidden = deskOpen[a.id] !== 'ack';
      corrPanel.hidden = deskOpen[a.id] !== 'corr';
    }
    box.appendChild(form);
    if ((a.history || []).length) box.appendChild(historyNode(a));
    return box;
  }

  // failureNode says why an approved application's dossier was given up
  // (application.Failure) and what the clerk can do about it.
  function failureNode(f) {
    return el('div', { className: 'failure', role: 'alert' },
      el('div', null, el('span', { className: 'badge badge-no' }, t('failureTitle')), ' ', el('span', { className: 'muted' }, YJ.fmtTime(f.at))),
      el('div', { className: 'failure-reason' }, YJ.apiText(f.reason || '')),
      el('div', { className: 'failure-next' }, el('strong', null, t('failureNext')), t(f.code === 'too_large' || f.code === 'over_budget' ? 'failNext_' + f.code : 'failNext_other')));
  }

  // historyNode is an application's history, every state and step with
  // when (Beijing time), by whom and why, collapsed.
  function historyNode(a) {
    var hist = el('ol', { className: 'history' });
    (a.history || []).forEach(function (h) {
      hist.appendChild(el('li', null,
        el('span', { className: 'muted when' }, YJ.fmtTime(h.at)), ' ',
        el('strong', null, t(h.step ? 'step_' + h.step : 'st_' + h.to)),
        ' · ' + t('historyBy') + ' ' + who(a, h.by || ''),
        h.reason ? '：' + h.reason : ''));
    });
    return el('details', { className: 'history-box' }, el('summary', null, t('historyTitle') + '（' + (a.history || []).length + '）'), hist);
  }

  // identityNode is the registered lawyer's identity on the card: its badge
  // and, while pending, 核验身份, which opens the check (身份属实, or
  // 不通过 with its reason). The decision holds for every application of
  // the lawyer, so the queue reloads after it.
  function identityNode(a, l) {
    var st = a.lawyerIdentity;
    var box = el('div', { className: 'kv identity' },
      el('span', { className: 'badge ' + (st === 'verified' ? 'badge-ok' : st === 'rejected' ? 'badge-no' : 'badge-warn') }, t('id_' + st)));
    if (st !== 'pending') return box;
    var ask = el('button', { type: 'button', className: 'secondary id-check' }, t('idCheck'));
    var reasonId = 'id-reason-' + a.id;
    var yes = el('button', { type: 'button', className: 'id-verify' }, t('idVerify'));
    var no = el('button', { type: 'button', className: 'danger id-reject' }, t('idReject'));
    var cancel = el('button', { type: 'button', className: 'secondary id-cancel' }, t('cancel'));
    var form = el('form', { className: 'confirm id-panel', novalidate: true, hidden: true },
      el('p', null, t('idConfirm', l.name || '', l.license || '')),
      el('label', { for: reasonId }, t('idReason')),
      el('textarea', { id: reasonId, name: 'reason', rows: '2', 'aria-describedby': reasonId + '-error' }),
      el('div', { id: reasonId + '-error', className: 'error', 'data-error-for': 'reason', hidden: true }),
      el('div', { className: 'buttons' }, yes, cancel, no),
      el('div', { className: 'form-error', 'data-error-for': '_', role: 'alert', hidden: true }));
    var decide = function (decision) {
      var reason = decision === 'rejected' ? form.querySelector('textarea').value.trim() : '';
      YJ.clearProblems(form);
      if (decision === 'rejected' && !reason) {
        YJ.showProblems(form, { quiet: true, problems: [{ field: 'reason', message: t('idReasonRequired') }] });
        form.querySelector('textarea').focus();
        return;
      }
      yes.disabled = no.disabled = true;
      YJ.api('POST', '/lawyers/' + encodeURIComponent(l.license) + '/identity', { decision: decision, reason: reason }).then(function () {
        YJ.status(YJ.$('#queue-status'), t('idDone', l.name || l.license), 'ok');
        queueJSON = '';
        loadQueue(true);
      }, function (err) {
        yes.disabled = no.disabled = false;
        YJ.showProblems(form, err);
      });
    };
    ask.addEventListener('click', function () { form.hidden = false; ask.hidden = true; yes.focus(); });
    cancel.addEventListener('click', function () { YJ.clearProblems(form); form.hidden = true; ask.hidden = false; ask.focus(); });
    yes.addEventListener('click', function () { decide('verified'); });
    no.addEventListener('click', function () { decide('rejected'); });
    form.addEventListener('submit', function (ev) { ev.preventDefault(); });
    box.appendChild(ask);
    box.appendChild(form);
    return box;
  }

  function loadQueue(keepNotice) {
    return YJ.api('GET', '/applications?status=open').then(function (data) {
      if (!keepNotice) YJ.status(YJ.$('#queue-status'), '');
      var apps = ((data && data.applications) || []).slice();
      apps.sort(function (x, y) {
        return (x.deadline || '').localeCompare(y.deadline || '') || (x.submittedAt || '').localeCompare(y.submittedAt || '');
      });
      var j = JSON.stringify(apps);
      if (j === queueJSON) return;
      // Do not re-render under the clerk's cursor; the next refresh will.
      var active = document.activeElement;
      if (active && active.closest && active.closest('#queue') && (active.tagName === 'TEXTAREA' || active.tagName === 'INPUT') && queueJSON && keepNotice) return;
      queueJSON = j;
      queueApps = apps;
      renderQueue(apps);
    }, function (err) {
      YJ.status(YJ.$('#queue-status'), err.message, 'error');
    });
  }

  // ---- handled --------------------------------------------------------------
  var handledJSON = '';
  var handledSeq = 0;
  var handledApps = [];

  // who is how a history entry's actor reads: the lawyer's or the
  // deciding clerk's name, or 系统.
  function who(a, by) {
    var l = a.lawyer || {};
    if (by === 'system') return t('systemActor');
    if (by === l.license) return l.name || by;
    // A clerk's name is kept where they acted: the reply, 受理, 补正.
    var steps = [a.reply, a.acknowledged].concat((a.corrections || []).map(function (c) { return c.asked; }));
    for (var i = 0; i < steps.length; i++) {
      var st = steps[i];
      if (st && st.byName && (by === st.by || by === 'clerk:' + st.by)) return st.byName;
    }
    return by.replace(/^clerk:/, '');
  }

  function renderHandled(apps) {
    var list = YJ.$('#handled');
    YJ.clear(list);
    if (!apps.length) {
      list.appendChild(el('li', { className: 'muted' }, t('handledEmpty')));
      return;
    }
    apps.forEach(function (a) {
      var l = a.lawyer || {};
      var r = a.reply || {};
      var li = el('li', { 'data-id': a.id, 'data-status': a.status });
      li.appendChild(el('div', { className: 'item-head' },
        el('strong', null, a.caseNo),
        el('span', { className: 'status status-' + a.status }, t('st_' + a.status))));
      li.appendChild(el('div', { className: 'kv' },
        el('span', { className: 'k' }, t('lawyerLabel')), (l.name || '') + (l.firm ? '（' + l.firm + '）' : ''),
        el('span', { className: 'k' }, ' · ' + t('licenseLabel')), el('span', { className: 'mono' }, l.license || '')));
      li.appendChild(el('div', { className: 'kv' },
        el('span', { className: 'k' }, t('decidedAt')), YJ.fmtTime(r.at),
        el('span', { className: 'k' }, ' · ' + t('decidedBy')), r.byName || r.by || ''));
      if (r.reason) li.appendChild(el('div', { className: 'kv' }, el('span', { className: 'k' }, t('replyReason')), el('span', { className: 'reply-reason' }, r.reason)));
      if (a.failure) li.appendChild(failureNode(a.failure));
      li.appendChild(historyNode(a));
      list.appendChild(li);
    });
  }

  function loadHandled(ev) {
    if (ev) ev.preventDefault();
    var form = YJ.$('#handled-form');
    var q = ['status=handled'];
    ['state', 'from', 'to'].forEach(function (k) {
      var v = form.elements[k].value;
      if (v) q.push(k + '=' + encodeURIComponent(v));
    });
    YJ.clearProblems(form);
    // Only the latest request's answer is shown: a refresh sent before a
    // search (or a decision) must not answer after it with the older list.
    var seq = ++handledSeq;
    return YJ.api('GET', '/applications?' + q.join('&')).then(function (data) {
      if (seq !== handledSeq) return;
      var apps = (data && data.applications) || [];
      var j = JSON.stringify(apps);
      if (j === handledJSON && !ev) return;
      handledJSON = j;
      handledApps = apps;
      renderHandled(apps);
    }, function (err) {
      if (seq === handledSeq) YJ.showProblems(form, err);
    });
  }

  // ---- complaints -------------------------------------------------------------
  var complaintsJSON = '';
  var complaints = [];

  function lawyerLine(l) {
    l = l || {};
    return el('div', { className: 'kv' },
      el('span', { className: 'k' }, t('lawyerLabel')), (l.name || '') + (l.firm ? '（' + l.firm + '）' : ''),
      el('span', { className: 'k' }, ' · ' + t('licenseLabel')), el('span', { className: 'mono' }, l.license || ''),
      el('span', { className: 'k' }, ' · ' + t('phoneLabel')), YJ.telLink(l.phone));
  }

  function complaintItem(k) {
    var li = el('li', { 'data-id': k.id, 'data-status': k.status, className: k.overdue ? 'overdue' : null });
    li.appendChild(el('div', { className: 'item-head' },
      el('span', null, el('strong', null, t('ck_' + k.kind)), k.urgent ? el('span', { className: 'badge badge-urgent' }, t('urgent')) : null),
      el('span', { className: 'status status-' + k.status }, t('cs_' + k.status))));
    if (k.status === 'open') li.appendChild(el('div', { className: 'kv' }, YJ.deadlineNode(k)));
    else li.appendChild(el('div', { className: 'kv muted' }, t('deadline') + ' ' + (YJ.fmtDate(k.deadline) || '—')));
    if (k.periodLabel) li.appendChild(el('div', { className: 'kv muted' }, t('periodLabel') + YJ.colon() + k.periodLabel));
    li.appendChild(el('div', { className: 'kv' },
      el('span', { className: 'k' }, k.caseNo ? t('caseNo') : t('unitLabel')), k.caseNo || k.unit,
      el('span', { className: 'k' }, ' · ' + t('submittedAt')), YJ.fmtTime(k.submittedAt)));
    li.appendChild(lawyerLine(k.lawyer));
    li.appendChild(el('div', { className: 'quote' }, k.description || ''));
    if (k.answer) {
      var box = el('div', { className: 'reply reply-ok' },
        el('div', null, el('strong', null, t('answerLabel')), ' ', el('span', { className: 'muted' }, YJ.fmtTime(k.answer.at) + (k.answer.byName ? ' · ' + k.answer.byName : ''))),
        el('div', { className: 'reply-reason answer-text' }, k.answer.text));
      li.appendChild(box);
      return li;
    }
    var form = el('form', { className: 'answer-form', novalidate: true });
    var aid = 'answer-' + k.id;
    form.appendChild(el('label', { for: aid, className: 'muted' }, t('answerLabelForm')));
    form.appendChild(el('textarea', { id: aid, name: 'answer', rows: '3' }));
    form.appendChild(el('div', { className: 'error', 'data-error-for': 'answer', hidden: true }));
    form.appendChild(el('div', { className: 'form-error', 'data-error-for': '_', hidden: true }));
    var btn = el('button', { type: 'submit', className: 'answer' }, t('answerSubmit'));
    form.appendChild(el('div', { className: 'buttons' }, btn));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      YJ.clearProblems(form);
      var text = form.querySelector('textarea').value.trim();
      if (!text) {
        YJ.showProblems(form, { quiet: true, problems: [{ field: 'answer', message: t('answerRequired') }] });
        form.querySelector('textarea').focus();
        return;
      }
      btn.disabled = true;
      YJ.api('POST', '/complaints/' + encodeURIComponent(k.id) + '/answer', { answer: text }).then(function () {
        YJ.status(YJ.$('#complaints-status'), t('answered', (k.lawyer && k.lawyer.name) || ''), 'ok');
        complaintsJSON = '';
        return Promise.all([loadComplaints(true), loadUnitNotices()]);
      }, function (err) {
        btn.disabled = false;
        YJ.showProblems(form, err);
      });
    });
    li.appendChild(form);
    return li;
  }

  function renderComplaints() {
    var list = YJ.$('#complaints');
    var restore = YJ.keepTyped(list);
    YJ.clear(list);
    var open = complaints.filter(function (k) { return k.status === 'open'; });
    var done = complaints.filter(function (k) { return k.status !== 'open'; });
    // Earliest deadline first; overdue ones are the earliest.
    open.sort(function (x, y) { return (x.deadline || '').localeCompare(y.deadline || '') || (x.submittedAt || '').localeCompare(y.submittedAt || ''); });
    done.sort(function (x, y) { return String((y.answer && y.answer.at) || '').localeCompare(String((x.answer && x.answer.at) || '')); });
    if (!open.length) list.appendChild(el('li', { className: 'muted' }, t('complaintsEmpty')));
    open.forEach(function (k) { list.appendChild(complaintItem(k)); });
    restore();
    var doneList = YJ.$('#complaints-done');
    YJ.clear(doneList);
    done.forEach(function (k) { doneList.appendChild(complaintItem(k)); });
    var box = YJ.$('#complaints-done-box');
    box.hidden = !done.length;
    box.querySelector('summary').textContent = t('complaintsDone', done.length);
  }

  function loadComplaints(keepNotice) {
    return YJ.api('GET', '/complaints').then(function (data) {
      if (!keepNotice) YJ.status(YJ.$('#complaints-status'), '');
      var cs = (data && data.complaints) || [];
      var j = JSON.stringify(cs);
      if (j === complaintsJSON) return;
      if (complaintsJSON && keepNotice && YJ.typingIn(YJ.$('#complaints'))) return;
      complaintsJSON = j;
      complaints = cs;
      renderComplaints();
      loadComplaintStats();
    }, function (err) {
      YJ.status(YJ.$('#complaints-status'), err.message, 'error');
    });
  }

  var stats = null;
  function renderStats() {
    var p = YJ.$('#complaint-stats');
    if (!stats || !stats.submitted) { p.hidden = true; return; }
    p.textContent = t('complaintStats', stats.submitted, stats.answered, stats.onTime, stats.late, stats.open, stats.openOverdue,
      Math.round((stats.onTimeRate || 0) * 1000) / 10);
    p.hidden = false;
  }
  function loadComplaintStats() {
    return YJ.api('GET', '/complaints/stats').then(function (st) { stats = st; renderStats(); }, function () { /* the list says enough */ });
  }

  // ---- opinions ---------------------------------------------------------------
  var opinionsJSON = '';
  var opinions = [];

  function opinionItem(o) {
    var li = el('li', { 'data-id': o.id, 'data-status': o.status });
    li.appendChild(el('div', { className: 'item-head' },
      el('strong', null, o.caseNo),
      el('span', { className: 'status status-' + o.status }, t('os_' + o.status))));
    li.appendChild(lawyerLine(o.lawyer));
    li.appendChild(el('div', { className: 'kv' }, el('span', { className: 'k' }, t('submittedAt')), YJ.fmtTime(o.submittedAt)));
    li.appendChild(el('div', { className: 'quote' }, o.text || ''));
    var r = o.reply;
    if (r) {
      li.appendChild(el('div', { className: 'reply ' + (r.adopted ? 'reply-ok' : 'reply-refused') },
        el('div', null, el('span', { className: 'verdict badge ' + (r.adopted ? 'badge-ok' : 'badge-no') }, r.adopted ? t('adopted') : t('notAdopted')),
          ' ', el('span', { className: 'muted' }, YJ.fmtTime(r.at) + (r.byName ? ' · ' + r.byName : ''))),
        el('div', { className: 'reply-reason' }, el('span', { className: 'k' }, t('reasonLabel') + YJ.colon()), r.reason)));
      return li;
    }
    if (o.status !== 'unanswered') return li;
    var form = el('form', { className: 'reply-form', novalidate: true });
    var rid = 'op-reason-' + o.id;
    var fs = el('fieldset', { className: 'adopted' }, el('legend', null, t('adoptedQ')),
      el('label', { className: 'inline' }, el('input', { type: 'radio', name: 'adopted', value: 'yes' }), ' ', t('adoptYes')),
      el('label', { className: 'inline' }, el('input', { type: 'radio', name: 'adopted', value: 'no' }), ' ', t('adoptNo')),
      el('div', { className: 'error', 'data-error-for': 'adopted', hidden: true }));
    form.appendChild(fs);
    form.appendChild(el('div', { className: 'field' },
      el('label', { for: rid, className: 'muted' }, t('replyReason')),
      el('textarea', { id: rid, name: 'reason', rows: '3' }),
      el('div', { className: 'error', 'data-error-for': 'reason', hidden: true })));
    form.appendChild(el('div', { className: 'form-error', 'data-error-for': '_', hidden: true }));
    var btn = el('button', { type: 'submit', className: 'reply-submit' }, t('replySubmit'));
    form.appendChild(el('div', { className: 'buttons' }, btn));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      YJ.clearProblems(form);
      var choice = form.querySelector('input[name=adopted]:checked');
      var reason = form.querySelector('textarea').value.trim();
      var ps = [];
      if (!choice) ps.push({ field: 'adopted', message: t('needAdopted') });
      if (!reason) ps.push({ field: 'reason', message: t('needReason') });
      if (ps.length) {
        YJ.showProblems(form, { problems: ps });
        return;
      }
      btn.disabled = true;
      YJ.api('POST', '/opinions/' + encodeURIComponent(o.id) + '/reply', { adopted: choice.value === 'yes', reason: reason }).then(function () {
        YJ.status(YJ.$('#opinions-status'), t('replied', (o.lawyer && o.lawyer.name) || ''), 'ok');
        var named = YJ.$('#conclude-error li[data-opinion="' + CSS.escape(o.id) + '"]');
        if (named) named.classList.add('done');
        opinionsJSON = '';
        return loadOpinions(true);
      }, function (err) {
        btn.disabled = false;
        YJ.showProblems(form, err);
      });
    });
    li.appendChild(form);
    return li;
  }

  function renderOpinions() {
    var list = YJ.$('#opinions');
    var restore = YJ.keepTyped(list);
    YJ.clear(list);
    var open = opinions.filter(function (o) { return o.status === 'unanswered'; });
    var done = opinions.filter(function (o) { return o.status !== 'unanswered'; });
    done.sort(function (x, y) { return String((y.reply && y.reply.at) || y.submittedAt || '').localeCompare(String((x.reply && x.reply.at) || x.submittedAt || '')); });
    if (!open.length) list.appendChild(el('li', { className: 'muted' }, t('opinionsEmpty')));
    open.forEach(function (o) { list.appendChild(opinionItem(o)); });
    restore();
    var doneList = YJ.$('#opinions-done');
    YJ.clear(doneList);
    done.forEach(function (o) { doneList.appendChild(opinionItem(o)); });
    var box = YJ.$('#opinions-done-box');
    box.hidden = !done.length;
    box.querySelector('summary').textContent = t('opinionsDone', done.length);
  }

  function loadOpinions(keepNotice) {
    return YJ.api('GET', '/opinions').then(function (data) {
      if (!keepNotice) YJ.status(YJ.$('#opinions-status'), '');
      var os = (data && data.opinions) || [];
      var j = JSON.stringify(os);
      if (j === opinionsJSON) return;
      if (opinionsJSON && keepNotice && YJ.typingIn(YJ.$('#opinions'))) return;
      opinionsJSON = j;
      opinions = os;
      renderOpinions();
    }, function (err) {
      YJ.status(YJ.$('#opinions-status'), err.message, 'error');
    });
  }

  // ---- case work: counsel, procedural decisions, conclude ---------------------
  var workLawyers = [];
  var workDecisions = [];

  function workCase() {
    var id = YJ.$('#w-case').value;
    return YJ.clerkCases.list().filter(function (k) { return k.id === id; })[0] || null;
  }

  function fillWorkCases(selectID) {
    var cases = YJ.clerkCases.list();
    var sel = YJ.$('#w-case');
    var keep = selectID || sel.value;
    YJ.clear(sel);
    if (!cases.length) sel.appendChild(el('option', { value: '' }, t('noCases')));
    cases.forEach(function (k) {
      sel.appendChild(el('option', { value: k.id }, k.caseNo + ' ' + k.title + (k.concluded ? '（' + t('concludedBadge') + '）' : '')));
    });
    if (keep && cases.some(function (k) { return k.id === keep; })) sel.value = keep;
  }

  function renderWork() {
    var k = workCase();
    var sum = YJ.$('#w-summary');
    YJ.clear(sum);
    if (k) {
      sum.appendChild(el('span', { className: 'k' }, t('stage')));
      sum.appendChild(document.createTextNode(t('stage_' + k.stage) + ' · '));
      sum.appendChild(el('span', { className: 'k' }, t('handlerLabel')));
      sum.appendChild(document.createTextNode(((k.handler && k.handler.name) || '—') + ' '));
      if (k.handler && k.handler.phone) sum.appendChild(YJ.telLink(k.handler.phone));
      if (k.concluded) {
        sum.appendChild(el('span', { className: 'badge badge-done' }, k.concludedAt ? t('concludedAt', YJ.fmtTime(k.concludedAt)) : t('concludedBadge')));
      }
    }
    var ll = YJ.$('#w-lawyers');
    YJ.clear(ll);
    if (!workLawyers.length) ll.appendChild(el('li', { className: 'muted' }, k ? t('lawyersEmpty') : t('noCase')));
    workLawyers.forEach(function (b) {
      ll.appendChild(el('li', { 'data-license': b.license },
        el('div', { className: 'item-head' }, el('strong', null, b.name + (b.firm ? '（' + b.firm + '）' : '')),
          el('span', { className: 'badge' }, t('src_' + b.source))),
        el('div', { className: 'kv' }, el('span', { className: 'k' }, t('licenseLabel')), el('span', { className: 'mono' }, b.license),
          el('span', { className: 'k' }, ' · ' + t('phoneLabel')), YJ.telLink(b.phone),
          b.client ? el('span', { className: 'k' }, ' · ' + t('clientLabel')) : null, b.client || null)));
    });
    var dl = YJ.$('#w-decisions');
    YJ.clear(dl);
    if (k && !workDecisions.length) dl.appendChild(el('li', { className: 'muted' }, t('decisionsEmpty')));
    workDecisions.forEach(function (d) {
      var li = el('li', { 'data-id': d.id },
        el('div', { className: 'item-head' }, el('strong', null, t('dk_' + d.kind)),
          el('span', { className: 'muted' }, YJ.fmtTime(d.at) + (d.byName ? ' · ' + d.byName : ''))));
      if (d.text) li.appendChild(el('div', { className: 'kv' }, d.text));
      li.appendChild(deliveriesNode(d.deliveries || [], true));
      dl.appendChild(li);
    });
    YJ.$('#conclude').disabled = !k || !!k.concluded;
  }

  // deliveriesNode lists who was told and how the delivery went.
  function deliveriesNode(ds, withLabel) {
    var names = {};
    workLawyers.forEach(function (b) { names['lawyer:' + b.license] = b.name; });
    var ul = el('ul', { className: 'deliveries' });
    ds.forEach(function (x) {
      var who = names[x.to] || String(x.to || '').replace(/^lawyer:/, '');
      ul.appendChild(el('li', { 'data-status': x.status },
        withLabel ? el('span', { className: 'k' }, t('notifiedLabel') + YJ.colon()) : null,
        who + (x.phone ? ' ' + x.phone : '') + ' · ',
        el('span', { className: 'delivery delivery-' + x.status }, t('ns_' + (x.status || 'unrecorded'))),
        x.lastError && x.status !== 'sent' ? ' · ' + x.lastError : null));
    });
    return ul;
  }

  function loadWork() {
    var k = workCase();
    if (!k) {
      workLawyers = [];
      workDecisions = [];
      renderWork();
      return Promise.resolve();
    }
    var id = k.id;
    var path = '/cases/' + encodeURIComponent(id);
    return Promise.all([YJ.api('GET', path + '/lawyers'), YJ.api('GET', path + '/decisions')]).then(function (res) {
      if (id !== YJ.$('#w-case').value) return;
      workLawyers = (res[0] && res[0].lawyers) || [];
      workDecisions = (res[1] && res[1].decisions) || [];
      YJ.status(YJ.$('#work-status'), '');
      renderWork();
    }, function (err) {
      YJ.status(YJ.$('#work-status'), err.message, 'error');
    });
  }

  function bindLawyer(ev) {
    ev.preventDefault();
    var form = YJ.$('#bind-form');
    var btn = YJ.$('#bind-submit');
    YJ.clearProblems(form);
    YJ.$('#bind-ok').hidden = true;
    var k = workCase();
    if (!k) return YJ.showProblems(form, { quiet: true, problems: [{ field: '_', message: t('pickCase') }] });
    var body = {
      license: YJ.$('#b-license').value.trim(), name: YJ.$('#b-name').value.trim(), phone: YJ.$('#b-phone').value.trim(),
      firm: YJ.$('#b-firm').value.trim(), client: YJ.$('#b-client').value.trim()
    };
    btn.disabled = true;
    YJ.api('POST', '/cases/' + encodeURIComponent(k.id) + '/lawyers', body).then(function (b) {
      YJ.status(YJ.$('#bind-ok'), t('bound', b.name || body.name), 'ok');
      form.reset();
      return loadWork();
    }, function (err) {
      YJ.showProblems(form, err);
    }).finally(function () { btn.disabled = false; });
  }

  function recordDecision(ev) {
    ev.preventDefault();
    var form = YJ.$('#decision-form');
    var btn = YJ.$('#decision-submit');
    var ok = YJ.$('#decision-ok');
    YJ.clearProblems(form);
    ok.hidden = true;
    var k = workCase();
    if (!k) return YJ.showProblems(form, { quiet: true, problems: [{ field: '_', message: t('pickCase') }] });
    var kind = YJ.$('#d-kind').value;
    btn.disabled = true;
    YJ.api('POST', '/cases/' + encodeURIComponent(k.id) + '/decisions', { kind: kind, text: YJ.$('#d-text').value.trim() }).then(function (d) {
      var ds = d.deliveries || [];
      YJ.clear(ok);
      ok.className = 'notice ' + (ds.length ? 'notice-ok' : 'notice-warn');
      ok.appendChild(el('div', null, ds.length ? t('decided', t('dk_' + d.kind), ds.length) : t('decidedNone', t('dk_' + d.kind))));
      if (ds.length) ok.appendChild(deliveriesNode(ds, false));
      ok.hidden = false;
      YJ.$('#d-text').value = '';
      return loadWork();
    }, function (err) {
      YJ.showProblems(form, err);
    }).finally(function () { btn.disabled = false; });
  }

  function showConcludeConfirm(on) {
    YJ.$('#conclude-confirm').hidden = !on;
    YJ.$('#conclude').hidden = on;
    if (on) YJ.$('#conclude-yes').focus();
  }

  // conclude asks the server to conclude the case; a refusal names each
  // unanswered opinion, with a way to it.
  function conclude() {
    var k = workCase();
    var errBox = YJ.$('#conclude-error');
    var ok = YJ.$('#conclude-ok');
    YJ.clear(errBox);
    errBox.hidden = true;
    ok.hidden = true;
    if (!k) return;
    var yes = YJ.$('#conclude-yes');
    yes.disabled = true;
    YJ.api('POST', '/cases/' + encodeURIComponent(k.id) + '/conclude').then(function (got) {
      showConcludeConfirm(false);
      YJ.status(ok, t('concluded', (got && got.caseNo) || k.caseNo), 'ok');
      return YJ.clerkCases.load(k.id);
    }, function (err) {
      showConcludeConfirm(false);
      errBox.appendChild(el('div', null, el('strong', null, err.message)));
      if (err.problems.length) {
        var ul = el('ul', { className: 'problems' });
        err.problems.forEach(function (p) {
          var m = /^opinions\[(.+)\]$/.exec(p.field || '');
          var li = el('li', { 'data-opinion': m ? m[1] : null }, YJ.apiText(p.message));
          if (m) {
            var go = el('button', { type: 'button', className: 'link go-reply' }, t('goReply'));
            go.addEventListener('click', function () { goToOpinion(m[1]); });
            li.appendChild(document.createTextNode(' '));
            li.appendChild(go);
          }
          ul.appendChild(li);
        });
        errBox.appendChild(ul);
        opinionsJSON = '';
        loadOpinions(true);
      }
      errBox.hidden = false;
    }).finally(function () { yes.disabled = false; });
  }

  function goToOpinion(id) {
    var li = YJ.$('#opinions li[data-id="' + CSS.escape(id) + '"]');
    if (!li) return;
    li.scrollIntoView({ block: 'center' });
    var radio = li.querySelector('input[name=adopted]');
    if (radio) radio.focus();
  }

  // ---- the unit's notices ------------------------------------------------------
  var unitNoticesJSON = '';
  var unitNotices = [];

  function renderUnitNotices() {
    var list = YJ.$('#unit-notices');
    YJ.clear(list);
    if (!unitNotices.length) {
      list.appendChild(el('li', { className: 'muted' }, t('unitNoticesEmpty')));
      return;
    }
    unitNotices.forEach(function (n) { list.appendChild(YJ.noticeNode(n, { delivery: true })); });
  }

  function loadUnitNotices() {
    return YJ.api('GET', '/notices?limit=50').then(function (data) {
      YJ.status(YJ.$('#unit-notices-status'), '');
      var ns = ((data && data.notices) || []).slice();
      ns.sort(function (x, y) { return String(y.createdAt || '').localeCompare(String(x.createdAt || '')); });
      var j = JSON.stringify(ns);
      if (j === unitNoticesJSON) return;
      unitNoticesJSON = j;
      unitNotices = ns;
      renderUnitNotices();
    }, function (err) {
      YJ.status(YJ.$('#unit-notices-status'), err.message, 'error');
    });
  }

  function start() {
    YJ.frame(c);
    YJ.onLang(function () {
      renderQueue(queueApps); renderHandled(handledApps);
      renderComplaints(); renderStats(); renderOpinions(); fillWorkCases(); renderWork(); renderUnitNotices();
    });
    YJ.$('#queue-refresh').addEventListener('click', function () { queueJSON = ''; loadQueue(); });
    YJ.$('#handled-form').addEventListener('submit', loadHandled);
    YJ.$('#complaints-refresh').addEventListener('click', function () { complaintsJSON = ''; loadComplaints(); });
    YJ.$('#opinions-refresh').addEventListener('click', function () { opinionsJSON = ''; loadOpinions(); });
    YJ.$('#unit-notices-refresh').addEventListener('click', function () { unitNoticesJSON = ''; loadUnitNotices(); });
    YJ.$('#w-case').addEventListener('change', function () {
      YJ.$('#conclude-error').hidden = true;
      YJ.$('#conclude-ok').hidden = true;
      YJ.$('#decision-ok').hidden = true;
      YJ.$('#bind-ok').hidden = true;
      showConcludeConfirm(false);
      loadWork();
    });
    YJ.$('#bind-form').addEventListener('submit', bindLawyer);
    YJ.$('#decision-form').addEventListener('submit', recordDecision);
    YJ.$('#conclude').addEventListener('click', function () { showConcludeConfirm(true); });
    YJ.$('#conclude-no').addEventListener('click', function () { showConcludeConfirm(false); });
    YJ.$('#conclude-yes').addEventListener('click', conclude);
    ['#queue', '#handled', '#complaints', '#opinions', '#unit-notices'].forEach(function (sel) {
      YJ.$(sel).appendChild(el('li', { className: 'muted' }, t('loading')));
    });
    loadQueue();
    loadHandled();
    YJ.clerkCases.start({ onCases: function (selectID) { fillWorkCases(selectID); return loadWork(); } });
    loadComplaints();
    loadOpinions();
    loadUnitNotices();
    setInterval(function () {
      if (document.hidden) return;
      loadQueue(true);
      loadComplaints(true);
      loadOpinions(true);
      loadUnitNotices();
    }, 10000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
