// common.js: what every page shares: who is signed in (the server keeps
// the session; see signIn), the language switch, the JSON API client, XHR uploads with progress, and
// small DOM helpers. Everything user- or server-supplied goes into the page
// through textContent or attribute setters, never as HTML markup.
'use strict';

(function () {
  var LANG_KEY = 'yuejuan.lang';

  // ---- messages ---------------------------------------------------------
  var dict = {
    appName: ['阅卷 · 互联网阅卷服务', 'Yuejuan · online case-file review'],
    signOut: ['退出登录', 'Sign out'],
    twoStep: ['两步验证', 'Two-step'],
    langSwitch: ['English', '中文'],
    roleLawyer: ['律师', 'Lawyer'],
    roleClerk: ['案管', 'Clerk'],
    roleAuditor: ['审计', 'Auditor'],
    loading: ['加载中…', 'Loading…'],
    refresh: ['刷新', 'Refresh'],
    none: ['暂无', 'None'],
    fixAll: ['共有 {0} 处需要补正，已在上方各项下标出，请一次性改正后重新提交。', '{0} thing(s) to fix, each marked above; fix them all and submit again.'],
    networkError: ['网络连接失败，请检查网络后重试', 'Network error: check your connection and try again'],
    alreadyUploaded: ['此文件已上传，上传链接只能使用一次；如需更换文件，请重新登记', 'This file was already uploaded: an upload link is used once; to send another file, register it again'],
    sessionExpired: ['登录已过期或已在别处退出，请重新登录', 'Your session has ended: sign in again'],
    signInAgain: ['重新登录', 'Sign in again'],
    forbidden: ['您的角色无权执行此操作', 'Your role may not do this'],
    serverError: ['服务器出错（{0}），请稍后重试；如持续出现请致电 12309', 'Server error ({0}); try again later, or call 12309'],
    // statuses
    st_submitted: ['已提交', 'Submitted'],
    st_pending_review: ['待审查', 'Pending review'],
    st_approved: ['已批准，卷宗生成中', 'Approved, dossier being prepared'],
    st_ready: ['可下载', 'Ready to download'],
    st_refused: ['不予许可', 'Refused'],
    st_expired: ['已过期', 'Expired'],
    st_needs_correction: ['待律师补正', 'Awaiting corrections'],
    step_acknowledged: ['已受理', 'Acknowledged'],
    ms_awaiting_upload: ['等待上传', 'Awaiting upload'],
    ms_processing: ['检查中', 'Checking'],
    ms_accepted: ['已接收', 'Accepted'],
    ms_rejected: ['已退回', 'Rejected'],
    daysLeft: ['剩 {0} 个工作日', '{0} working day(s) left'],
    dueToday: ['今日到期', 'Due today'],
    overdue: ['已超期', 'Overdue'],
    deadline: ['答复期限', 'Reply due'],
    deadlineUncertain: ['（节假日数据未覆盖，期限待核实）', '(holiday data missing: check the date)'],
    submittedAt: ['提交时间（北京时间）', 'Submitted (Beijing time)'],
    uploading: ['上传中 {0}%', 'Uploading {0}%'],
    uploadFailed: ['上传失败：{0}', 'Upload failed: {0}'],
    uploadDone: ['已上传', 'Uploaded'],
    // notices (both pages)
    nk_decision: ['程序性决定', 'Procedural decision'],
    nk_application_approved: ['申请已许可', 'Application approved'],
    nk_application_refused: ['申请不予许可', 'Application refused'],
    nk_application_acknowledged: ['申请已受理', 'Application acknowledged'],
    nk_application_correction: ['申请需要补正', 'Corrections needed'],
    nk_application_resubmitted: ['律师已补正', 'Corrections sent'],
    nk_application_remind: ['申请今日到期', 'Application due today'],
    nk_application_overdue: ['申请已超期', 'Application overdue'],
    nk_link_ready: ['卷宗可下载', 'Dossier ready'],
    nk_link_expiring: ['链接即将到期', 'Link expiring soon'],
    nk_complaint_received: ['收到申诉控告', 'Complaint received'],
    nk_complaint_answered: ['申诉控告已答复', 'Complaint answered'],
    nk_complaint_remind: ['申诉控告今日到期', 'Complaint due today'],
    nk_complaint_overdue: ['申诉控告已超期', 'Complaint overdue'],
    nk_opinion_received: ['收到书面意见', 'Opinion received'],
    nk_opinion_answered: ['书面意见已答复', 'Opinion answered'],
    nk_other: ['通知', 'Notice'],
    dk_arrest_review_accepted: ['受理审查逮捕', 'Accepted for arrest review'],
    dk_supplementary_investigation: ['退回补充侦查', 'Returned for supplementary investigation'],
    dk_jurisdiction_change: ['改变管辖', 'Change of jurisdiction'],
    dk_prosecution_filed: ['提起公诉', 'Prosecution filed'],
    dk_other: ['其他程序性决定', 'Other procedural decision'],
    ck_obstructed_review: ['阅卷受阻', 'Obstructed file review'],
    ck_obstructed_meeting: ['会见受阻', 'Obstructed meeting'],
    ck_other: ['其他阻碍行使诉讼权利', 'Other obstruction of rights'],
    cs_open: ['办理中', 'In progress'],
    cs_answered: ['已答复办结', 'Answered'],
    os_unanswered: ['待答复', 'Awaiting answer'],
    os_answered: ['已答复', 'Answered'],
    os_withdrawn: ['未受理（案件已办结）', 'Not taken (case concluded)'],
    urgent: ['紧急', 'Urgent'],
    adopted: ['已采纳', 'Adopted'],
    notAdopted: ['未采纳', 'Not adopted'],
    contactLabel: ['联系人', 'Contact'],
    caseNoLabel: ['案号', 'Case no.'],
    unitLabel: ['受理单位', 'Unit'],
    answeredAt: ['答复', 'Answered'],
    ns_sent: ['已送达', 'Delivered'],
    ns_pending: ['待重发', 'Retrying'],
    ns_failed: ['发送失败', 'Failed'],
    ns_unrecorded: ['未记录', 'Not recorded'],
    noticeTo_unit: ['本单位案管', 'This unit\'s clerks'],
    noticeTo_supervisors: ['本单位负责人', 'This unit\'s supervisors'],
    noticeToLabel: ['发给', 'To']
  };

  function lang() {
    try {
      return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
    } catch (e) {
      return 'zh';
    }
  }

  function addMessages(more) {
    Object.keys(more).forEach(function (k) { dict[k] = more[k]; });
  }

  // t returns the message for key in the current language with {0}, {1}, …
  // replaced by the arguments.
  function t(key) {
    var m = dict[key];
    var s = m ? m[lang() === 'en' ? 1 : 0] : key;
    for (var i = 1; i < arguments.length; i++) {
      s = s.split('{' + (i - 1) + '}').join(String(arguments[i]));
    }
    return s;
  }

  // apiText picks the language out of the API's bilingual messages, which
  // read "中文说明 (English explanation)".
  function apiText(m) {
    if (typeof m !== 'string') return '';
    var match = /^([\s\S]*?\S)\s*\(([\x20-\x7e]+)\)\s*$/.exec(m);
    if (!match || !/[^\x00-\x7f]/.test(match[1])) return m;
    return lang() === 'en' ? match[2] : match[1];
  }

  function colon() { return lang() === 'en' ? ': ' : '：'; }

  function applyI18n(root) {
    root = root || document;
    document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
    root.querySelectorAll('[data-i18n]').forEach(function (n) {
      n.textContent = t(n.getAttribute('data-i18n'));
    });
    root.querySelectorAll('[data-i18n-placeholder]').forEach(function (n) {
      n.setAttribute('placeholder', t(n.getAttribute('data-i18n-placeholder')));
    });
    root.querySelectorAll('[data-i18n-title]').forEach(function (n) {
      n.setAttribute('title', t(n.getAttribute('data-i18n-title')));
    });
    root.querySelectorAll('[data-i18n-aria-label]').forEach(function (n) {
      n.setAttribute('aria-label', t(n.getAttribute('data-i18n-aria-label')));
    });
    if (dict.pageTitle) document.title = t('pageTitle');
  }

  var langListeners = [];
  function onLang(fn) { langListeners.push(fn); }
  function setLang(l) {
    try { localStorage.setItem(LANG_KEY, l); } catch (e) { /* private mode */ }
    applyI18n();
    langListeners.forEach(function (fn) { fn(); });
  }

  // ---- session -----------------------------------------------------------
  // The pages sign in through the server (a backend-for-frontend): the
  // session cookie is HttpOnly and the tokens never reach the page. What
  // the page reads is who is signed in (yj_who, to draw the header and pick
  // the page) and the CSRF token it sends with every change (yj_csrf).
  function cookie(name) {
    var all = document.cookie ? document.cookie.split('; ') : [];
    for (var i = 0; i < all.length; i++) {
      var eq = all[i].indexOf('=');
      var k = all[i].slice(0, eq);
      if (k === name || k === '__Host-' + name) return all[i].slice(eq + 1);
    }
    return '';
  }

  // who returns {sub, name, role, unit} of the signed-in user, or null.
  function who() {
    var raw = cookie('yj_who');
    if (!raw) return null;
    try {
      var b64 = raw.replace(/-/g, '+').replace(/_/g, '/');
      while (b64.length % 4) b64 += '=';
      var bin = atob(b64);
      var bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      var c = JSON.parse(new TextDecoder('utf-8').decode(bytes));
      return c && typeof c === 'object' && c.role ? c : null;
    } catch (e) {
      return null;
    }
  }

  // signIn goes through the sign-in, coming back to this page with what
  // was typed in its forms (saveDrafts).
  function signIn() {
    saveDrafts();
    leaving = true;
    location.assign('/auth/login?next=' + encodeURIComponent(location.pathname));
  }

  // Drafts: what was typed in the page's forms, kept in this tab across a
  // sign-in after the session ended, for the same user and page only, and
  // put back once when the page loads signed in. Passwords and files are
  // never kept.
  var DRAFT_KEY = 'yuejuan.drafts';
  // drawnFor is who the page was drawn for (requireRole): a session that
  // cannot be renewed ends with its cookies, yj_who too, and what was typed
  // before is still that user's.
  var drawnFor = null;
  function saveDrafts() {
    var c = who() || drawnFor;
    var d = { sub: c ? c.sub : '', page: location.pathname, fields: {} };
    document.querySelectorAll('main form[id] input[id], main form[id] textarea[id], main form[id] select[id]').forEach(function (n) {
      if (n.type === 'password' || n.type === 'file' || n.type === 'hidden') return;
      if (n.type === 'checkbox' || n.type === 'radio') d.fields[n.id] = n.checked;
      else if (n.value) d.fields[n.id] = n.value;
    });
    try { sessionStorage.setItem(DRAFT_KEY, JSON.stringify(d)); } catch (e) { /* private mode: nothing kept */ }
  }
  function restoreDrafts(c) {
    var d = null;
    try {
      d = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || 'null');
      sessionStorage.removeItem(DRAFT_KEY);
    } catch (e) { return; }
    if (!d || !c || d.sub !== c.sub || d.page !== location.pathname) return;
    Object.keys(d.fields).forEach(function (id) {
      var n = document.getElementById(id);
      if (!n || !n.closest('main form[id]')) return;
      if (typeof d.fields[id] === 'boolean') n.checked = d.fields[id];
      else n.value = d.fields[id];
    });
  }

  // requireRole sends the visitor to sign in unless they are signed in as
  // role; it returns who they are.
  function requireRole(role) {
    var c = who();
    if (!c) {
      signIn();
      return null;
    }
    if (c.role !== role) {
      location.replace('/');
      return null;
    }
    drawnFor = c;
    return c;
  }

  // signOut ends the session here and at the sign-in provider, which
  // returns to the start page.
  function signOut() {
    try { sessionStorage.removeItem(DRAFT_KEY); } catch (e) { /* nothing kept */ }
    fetch('/auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': cookie('yj_csrf') }, cache: 'no-store' })
      .then(function (resp) { return resp.ok ? resp.json() : {}; })
      .catch(function () { return {}; })
      .then(function (r) { location.assign(r && r.location ? r.location : '/'); });
  }

  // ---- DOM --------------------------------------------------------------
  function $(sel, root) { return (root || document).querySelector(sel); }

  // el builds an element: attrs are set with setAttribute (or as
  // properties for a few), children are nodes or strings (text nodes).
  function el(tag, attrs) {
    var n = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'text') n.textContent = v;
        else if (k === 'className') n.className = v;
        else if (k === 'on') Object.keys(v).forEach(function (ev) { n.addEventListener(ev, v[ev]); });
        else if (k === 'value') n.value = v;
        else n.setAttribute(k, v === true ? '' : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var ch = arguments[i];
      if (ch === null || ch === undefined || ch === false) continue;
      n.appendChild(typeof ch === 'string' || typeof ch === 'number' ? document.createTextNode(String(ch)) : ch);
    }
    return n;
  }

  function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); }

  // Times are shown in Beijing time (Asia/Shanghai) whatever zone the
  // browser is in: the notices, the SMS and the CSV export say Beijing
  // time, and a lawyer travelling abroad must read the same clock.
  var WEEKDAYS = [['周日', '周一', '周二', '周三', '周四', '周五', '周六'], ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']];
  var BEIJING = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', hourCycle: 'h23', weekday: 'short',
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  function weekday(i) { return WEEKDAYS[lang() === 'en' ? 1 : 0][i]; }

  // beijing splits an instant into its Beijing date, weekday and time
  // (HH:MM:SS), or is null for what is not a time.
  function beijing(iso) {
    if (!iso) return null;
    var d = new Date(iso);
    if (isNaN(d.getTime())) return null;
    var p = {};
    BEIJING.formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
    return { date: p.year + '-' + p.month + '-' + p.day, weekday: weekday(WEEKDAYS[1].indexOf(p.weekday)),
      time: p.hour + ':' + p.minute + ':' + p.second };
  }

  // fmtTime is an instant as "2026-12-09 周三 16:40", Beijing time.
  function fmtTime(iso) {
    var b = beijing(iso);
    if (!b) return iso ? String(iso) : '';
    return b.date + ' ' + b.weekday + ' ' + b.time.slice(0, 5);
  }

  // fmtDate is a civil date ("2026-12-09", a deadline) with its weekday:
  // "2026-12-09 周三".
  function fmtDate(day) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(day || ''));
    if (!m) return day ? String(day) : '';
    return day + ' ' + weekday(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDay());
  }

  function fmtSize(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(0) + ' KB';
    return (n / 1024 / 1024).toFixed(1) + ' MB';
  }

  // deadlineNode shows the deadline, the working days left, or overdue.
  function deadlineNode(app) {
    var box = el('span', { className: 'deadline' }, t('deadline') + ' ' + (fmtDate(app.deadline) || '—'));
    if (app.deadlineUncertain) box.appendChild(el('span', { className: 'muted' }, ' ' + t('deadlineUncertain')));
    if (app.overdue) {
      box.appendChild(el('span', { className: 'badge badge-overdue' }, t('overdue')));
    } else if (typeof app.daysLeft === 'number') {
      box.appendChild(el('span', { className: app.daysLeft <= 0 ? 'badge badge-warn' : 'badge' },
        app.daysLeft <= 0 ? t('dueToday') : t('daysLeft', app.daysLeft)));
    }
    return box;
  }

  // noticeKey is the message key of a notice kind: "decision.x" is a
  // procedural decision, "complaint.answered" is nk_complaint_answered.
  function noticeKey(kind) {
    kind = String(kind || '');
    if (kind.indexOf('decision.') === 0) return 'nk_decision';
    var k = 'nk_' + kind.replace(/\./g, '_');
    return dict[k] ? k : 'nk_other';
  }

  // noticeHeadline is the notice's subject; in English (the server writes
  // notices in Chinese) it is said from the kind.
  function noticeHeadline(n) {
    var kind = String(n.kind || '');
    if (lang() !== 'en') return n.subject || t(noticeKey(kind));
    if (kind.indexOf('decision.') === 0) {
      var dk = 'dk_' + kind.slice(9);
      return t('nk_decision') + ': ' + (dict[dk] ? t(dk) : kind.slice(9));
    }
    return t(noticeKey(kind));
  }

  // telLink is a phone number as a tap-to-call link (digits and + only in
  // the href).
  function telLink(phone) {
    var tel = String(phone || '').replace(/[^0-9+]/g, '');
    return tel ? el('a', { href: 'tel:' + tel }, phone) : document.createTextNode(phone || '');
  }

  // contactNode is "Contact: name phone" for a handler, or null.
  function contactNode(h, label) {
    if (!h || !(h.name || h.phone)) return null;
    return el('div', { className: 'contact' }, el('span', { className: 'k' }, (label || t('contactLabel')) + colon()),
      (h.name || '') + ' ', telLink(h.phone));
  }

  // noticeNode is one notice as a list item. opts.delivery adds the
  // recipient and how its delivery stands (for clerks).
  function noticeNode(n, opts) {
    opts = opts || {};
    var kind = String(n.kind || '');
    var bad = /overdue|refused/.test(kind);
    var warn = /remind|expiring|correction/.test(kind);
    var li = el('li', { 'data-id': n.id, 'data-kind': kind, className: 'notice-item' + (bad ? ' overdue' : '') });
    var label = t(noticeKey(kind));
    var headline = noticeHeadline(n);
    li.appendChild(el('div', { className: 'item-head' },
      el('span', null, el('span', { className: 'badge kind' + (bad ? ' badge-overdue' : warn ? ' badge-warn' : '') }, label),
        headline !== label ? ' ' : null, headline !== label ? el('strong', { className: 'headline' }, headline) : null),
      el('span', { className: 'muted when' }, fmtTime(n.createdAt))));
    if (n.caseNo) li.appendChild(el('div', { className: 'kv' }, el('span', { className: 'k' }, t('caseNoLabel')), n.caseNo));
    if (n.body) li.appendChild(el('div', { className: 'kv body' }, n.body));
    var cn = contactNode(n.contact);
    if (cn) li.appendChild(cn);
    if (opts.delivery) {
      var to = String(n.to || '');
      var who = to.indexOf('supervisors:') === 0 ? t('noticeTo_supervisors') : to.indexOf('unit:') === 0 ? t('noticeTo_unit') : to;
      var st = el('div', { className: 'kv muted' }, t('noticeToLabel') + colon() + who + ' · ',
        el('span', { className: 'delivery delivery-' + (n.status || '') }, t('ns_' + (n.status || 'unrecorded'))));
      if (n.lastError && n.status !== 'sent') st.appendChild(document.createTextNode(' · ' + n.lastError));
      li.appendChild(st);
    }
    return li;
  }

  // keepTyped remembers what was typed or chosen in the forms of a list's
  // items (li[data-id]) and returns a function that puts it back after the
  // list is drawn again.
  function keepTyped(list) {
    var saved = {};
    list.querySelectorAll('li[data-id]').forEach(function (li) {
      var s = {};
      li.querySelectorAll('textarea[name], input[name]').forEach(function (n) {
        if (n.type === 'radio' || n.type === 'checkbox') {
          if (n.checked) s[n.name + '=' + n.value] = true;
        } else if (n.value) {
          s[n.name] = n.value;
        }
      });
      saved[li.getAttribute('data-id')] = s;
    });
    return function () {
      list.querySelectorAll('li[data-id]').forEach(function (li) {
        var s = saved[li.getAttribute('data-id')];
        if (!s) return;
        li.querySelectorAll('textarea[name], input[name]').forEach(function (n) {
          if (n.type === 'radio' || n.type === 'checkbox') n.checked = !!s[n.name + '=' + n.value];
          else if (s[n.name] !== undefined) n.value = s[n.name];
        });
      });
    };
  }

  // typingIn reports whether the user is typing in a form inside node.
  function typingIn(node) {
    var a = document.activeElement;
    return !!(a && node.contains(a) && (a.tagName === 'TEXTAREA' || (a.tagName === 'INPUT' && a.type === 'text')));
  }

  // ---- errors -----------------------------------------------------------
  function ApiError(status, body) {
    var e = (body && body.error) || {};
    this.status = status;
    this.code = e.code || '';
    this.problems = Array.isArray(e.problems) ? e.problems : [];
    if (status === 0) this.message = t('networkError');
    else if (status === 401) this.message = ''; // said once, by the session banner
    else if (e.message) this.message = apiText(e.message);
    else if (status === 403) this.message = t('forbidden');
    else this.message = t('serverError', status);
  }

  // showProblems puts every problem next to its field: an element with
  // data-error-for="<field>" inside form; "attachments[2]" goes to
  // "attachments". Problems without a place go to the form's
  // [data-error-for="_"] box. Returns the number shown.
  function clearProblems(form) {
    form.querySelectorAll('[data-error-for]').forEach(function (n) { clear(n); n.hidden = true; });
    form.querySelectorAll('[aria-invalid]').forEach(function (n) { n.removeAttribute('aria-invalid'); });
    form.querySelectorAll('[data-described-error]').forEach(function (n) {
      var ids = (n.getAttribute('aria-describedby') || '').split(' ').filter(function (x) { return x && x !== n.getAttribute('data-described-error'); });
      if (ids.length) n.setAttribute('aria-describedby', ids.join(' '));
      else n.removeAttribute('aria-describedby');
      n.removeAttribute('data-described-error');
    });
  }

  // describeBy ties input to its error box for screen readers
  // (aria-describedby), giving the box an id if it has none.
  var errSeq = 0;
  function describeBy(input, box) {
    if (!box.id) box.id = 'err-' + (++errSeq);
    var ids = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
    if (ids.indexOf(box.id) < 0) ids.push(box.id);
    input.setAttribute('aria-describedby', ids.join(' '));
    input.setAttribute('data-described-error', box.id);
  }

  function showProblems(form, err) {
    clearProblems(form);
    var general = form.querySelector('[data-error-for="_"]');
    var add = function (box, text) {
      box.appendChild(el('div', null, text));
      box.hidden = false;
    };
    var problems = err.problems || [];
    if (problems.length) {
      if (general && !err.quiet) add(general, t('fixAll', problems.length));
    } else if (general && err.message) {
      add(general, err.message);
    }
    problems.forEach(function (p) {
      var field = String(p.field || '');
      var base = field.replace(/\[[^\]]*\]$/, '');
      var box = form.querySelector('[data-error-for="' + CSS.escape(field) + '"]') ||
        form.querySelector('[data-error-for="' + CSS.escape(base) + '"]') || general;
      if (box) add(box, apiText(p.message));
      var input = form.querySelector('[name="' + CSS.escape(base) + '"]');
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        if (box && box !== general) describeBy(input, box);
      }
    });
    // Focus moves to the first field to fix (or the first message), so a
    // keyboard or screen-reader user lands where the work is.
    var first = form.querySelector('[aria-invalid="true"], [data-error-for]:not([hidden])');
    if (first) {
      if (!first.matches('input, select, textarea, button')) first.setAttribute('tabindex', '-1');
      if (first.focus) first.focus({ preventScroll: true });
      if (first.scrollIntoView) first.scrollIntoView({ block: 'center' });
    }
    return problems.length;
  }

  // ---- API ---------------------------------------------------------------
  // apiBase is where the API is for these pages: the page says (<meta
  // name="yj-api">; on AWS the cookie route, /web/api/v1, since the
  // gateway's JWT authorizer on /api/v1 reads only a Bearer header), else
  // /api/v1 as on the local server.
  var apiBase = (function () {
    var m = document.querySelector('meta[name="yj-api"]');
    var v = m && m.getAttribute('content');
    return v && /^\/[A-Za-z0-9/_-]*$/.test(v) ? v.replace(/\/$/, '') : '/api/v1';
  })();

  function api(method, path, body) {
    var opts = { method: method, headers: { 'Accept': 'application/json' }, cache: 'no-store' };
    if (method !== 'GET' && method !== 'HEAD') opts.headers['X-CSRF-Token'] = cookie('yj_csrf');
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(apiBase + path, opts).then(function (resp) {
      return resp.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!resp.ok) {
          var err = new ApiError(resp.status, data);
          if (resp.status === 401) showSessionBanner();
          throw err;
        }
        if (method !== 'GET' && method !== 'HEAD') sent();
        return data;
      });
    }, function () {
      throw new ApiError(0, null);
    });
  }

  // upload PUTs file to a signed URL, reporting progress 0..100. The URL is
  // write-once: If-None-Match: * is signed into it on S3 (the store refuses
  // the PUT without the header), and a second PUT is refused with 412.
  function upload(url, file, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open('PUT', url);
      xhr.setRequestHeader('If-None-Match', '*');
      xhr.upload.addEventListener('progress', function (ev) {
        if (ev.lengthComputable && onProgress) onProgress(Math.round(ev.loaded * 100 / ev.total));
      });
      xhr.addEventListener('load', function () {
        if (xhr.status >= 200 && xhr.status < 300) {
          if (onProgress) onProgress(100);
          resolve();
          return;
        }
        if (xhr.status === 412) {
          reject(new Error(t('alreadyUploaded')));
          return;
        }
        // The object store answers S3-style XML; pick its <Message>.
        var m = /<Message>([\s\S]*?)<\/Message>/.exec(xhr.responseText || '');
        var text = m ? m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&') : 'HTTP ' + xhr.status;
        reject(new Error(apiText(text)));
      });
      xhr.addEventListener('error', function () { reject(new Error(t('networkError'))); });
      xhr.addEventListener('abort', function () { reject(new Error(t('networkError'))); });
      xhr.send(file);
    });
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  // ---- unsaved input ---------------------------------------------------------
  // Typing in a form of the page marks it; a change the server accepted
  // (any successful POST/PUT/DELETE started from that form) clears it.
  // Leaving the page while a marked form still holds text, or while a
  // check registered with unsaved() says so (the clerk's staged files),
  // asks first. Filter forms (class "filters", or data-no-guard) never
  // ask: what they hold is not work. Signing in again keeps the drafts
  // (saveDrafts) and does not ask.
  var dirty = [];
  var sending = null;
  var leaving = false;
  var checks = [];
  function guarded(f) { return f && !f.classList.contains('filters') && !f.hasAttribute('data-no-guard'); }
  document.addEventListener('input', function (ev) {
    var f = ev.target && ev.target.closest ? ev.target.closest('main form') : null;
    if (guarded(f) && ev.target.type !== 'password' && dirty.indexOf(f) < 0) dirty.push(f);
  }, true);
  document.addEventListener('submit', function (ev) { sending = ev.target; }, true);
  document.addEventListener('click', function (ev) {
    var b = ev.target && ev.target.closest ? ev.target.closest('button') : null;
    if (b && b.form) sending = b.form;
  }, true);
  function sent() {
    if (sending) dirty = dirty.filter(function (f) { return f !== sending; });
    sending = null;
  }
  function holdsText(f) {
    return Array.prototype.some.call(f.querySelectorAll('input, textarea'), function (n) {
      if (n.type === 'file') return n.files && n.files.length > 0;
      if (n.type === 'password' || n.type === 'hidden' || n.type === 'checkbox' || n.type === 'radio') return false;
      return n.value.trim() !== '' && n.value !== n.defaultValue;
    });
  }
  function unsaved(check) { checks.push(check); }
  function hasUnsaved() {
    dirty = dirty.filter(function (f) { return f.isConnected; });
    return dirty.some(holdsText) || checks.some(function (c) { return c(); });
  }
  window.addEventListener('beforeunload', function (ev) {
    if (leaving || !hasUnsaved()) return;
    ev.preventDefault();
    ev.returnValue = '';
  });

  // ---- page frame ---------------------------------------------------------
  // showSessionBanner says once that the session has ended (the server
  // renews it while it can), with the way back in.
  function showSessionBanner() {
    var b = $('#session-banner');
    if (!b || !b.hidden) return;
    clear(b);
    b.setAttribute('role', 'alert');
    b.appendChild(el('span', null, t('sessionExpired') + ' '));
    b.appendChild(el('button', { type: 'button', className: 'link', on: { click: signIn } }, t('signInAgain')));
    b.hidden = false;
  }

  // frame wires the header: who is signed in, the language switch and
  // sign-out.
  function frame(c) {
    var who = $('#who');
    var roleKey = { lawyer: 'roleLawyer', clerk: 'roleClerk', auditor: 'roleAuditor' };
    var paint = function () {
      if (who && c) {
        who.textContent = (c.name || c.sub || '') + ' · ' + t(roleKey[c.role] || c.role) + (c.unit ? ' · ' + c.unit : '');
      }
      var ls = $('#lang');
      if (ls) ls.textContent = t('langSwitch');
    };
    var ls = $('#lang');
    if (ls) ls.addEventListener('click', function () { setLang(lang() === 'en' ? 'zh' : 'en'); });
    var so = $('#signout');
    if (so) so.addEventListener('click', signOut);
    // Staff turn on two-step verification at the server's own provider;
    // the session says where (nowhere when Cognito or a unit's single
    // sign-on signed them in: they manage it there).
    var twoStep = c && typeof c.twoStep === 'string' && c.twoStep.charAt(0) === '/' && c.twoStep.charAt(1) !== '/' ? c.twoStep : '';
    if (c && c.role !== 'lawyer' && twoStep && so && !$('#two-step')) {
      var ts = el('button', { type: 'button', id: 'two-step', 'data-i18n': 'twoStep',
        on: { click: function () { location.href = twoStep; } } }, t('twoStep'));
      so.parentNode.insertBefore(ts, so);
    }
    onLang(paint);
    applyI18n();
    paint();
    restoreDrafts(c);
  }

  function status(n, text, kind) {
    clear(n);
    if (!text) { n.hidden = true; return; }
    n.className = 'notice' + (kind ? ' notice-' + kind : '');
    n.appendChild(el('span', null, text));
    n.hidden = false;
  }

  window.YJ = {
    t: t, lang: lang, colon: colon, setLang: setLang, onLang: onLang, addMessages: addMessages, applyI18n: applyI18n, apiText: apiText,
    who: who, signIn: signIn, requireRole: requireRole, signOut: signOut, frame: frame,
    $: $, el: el, clear: clear, fmtTime: fmtTime, fmtDate: fmtDate, beijing: beijing, fmtSize: fmtSize, deadlineNode: deadlineNode, status: status,
    telLink: telLink, contactNode: contactNode, noticeNode: noticeNode, noticeKey: noticeKey, keepTyped: keepTyped, typingIn: typingIn,
    api: api, apiBase: apiBase, ApiError: ApiError, upload: upload, sleep: sleep, showProblems: showProblems, clearProblems: clearProblems,
    unsaved: unsaved, hasUnsaved: hasUnsaved
  };
})();
