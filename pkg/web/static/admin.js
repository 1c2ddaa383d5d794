// admin.js: the administrator's page — the staff accounts of the server's
// own sign-in: list them, open one (its one-time password shown once),
// disable one, reset a password (a new one-time one, shown once) or a
// second factor. Every change is audited by the server (account.*).
'use strict';

(function () {
  var YJ = window.YJ;
  var t = YJ.t, el = YJ.el, $ = YJ.$;
  YJ.addMessages({
    pageTitle: ['账户管理 · 阅卷', 'Accounts · Yuejuan'],
    roleAdmin: ['管理员', 'Administrator'],
    // The header names the role by its key (common.js frame).
    admin: ['管理员', 'Administrator'],
    addTitle: ['开设工作人员账户', 'Open a staff account'],
    username: ['用户名', 'User name'],
    usernameHint: ['小写字母、数字或 . _ -，如 clerk01', 'Lower-case letters, digits or . _ -, e.g. clerk01'],
    name: ['姓名', 'Name'],
    role: ['角色', 'Role'],
    unit: ['所属单位（案管必填）', 'Unit (clerks only)'],
    addButton: ['开设账户', 'Open the account'],
    secretTitle: ['一次性密码', 'One-time password'],
    secretFor: ['{0}（{1}）的一次性密码：', 'One-time password of {0} ({1}):'],
    secretNote: ['此密码只显示这一次，请当面或以安全方式交给本人；首次登录时须改为自己的密码。',
      'This password is shown this once: hand it to the person directly or securely; the first sign-in replaces it.'],
    secretDone: ['我已记下', 'Noted'],
    listTitle: ['工作人员账户', 'Staff accounts'],
    loading: ['加载中…', 'Loading…'],
    none: ['尚无工作人员账户', 'No staff accounts yet'],
    disabled: ['已停用', 'Disabled'],
    locked: ['已锁定', 'Locked'],
    mustChange: ['待首次登录改密', 'One-time password not yet replaced'],
    totpOn: ['已启用两步验证', 'Two-step verification on'],
    created: ['开设于', 'Opened'],
    beijingTime: ['（北京时间）', ' (Beijing time)'],
    disable: ['停用', 'Disable'],
    resetPassword: ['重置密码', 'Reset password'],
    resetTOTP: ['重置两步验证', 'Reset two-step verification'],
    confirmDisable: ['停用 {0}？停用后无法登录，已签发的令牌 10 分钟内失效。', 'Disable {0}? It can no longer sign in; tokens already issued end within 10 minutes.'],
    confirmReset: ['为 {0} 重置密码？原密码立即失效。', 'Reset the password of {0}? The old one stops working at once.'],
    confirmTOTP: ['为 {0} 重置两步验证？下次登录只需密码。', 'Reset two-step verification of {0}? The next sign-in asks for the password alone.'],
    doneDisable: ['{0} 已停用', '{0} is disabled'],
    doneTOTP: ['{0} 的两步验证已重置', 'Two-step verification of {0} is reset'],
    failed: ['操作失败：{0}', 'Failed: {0}'],
    footer: ['如需帮助请致电 12309 检察服务热线', 'For help call the 12309 procuratorate hotline']
  });

  var roleKey = { clerk: 'roleClerk', auditor: 'roleAuditor', admin: 'roleAdmin' };
  var me = null;

  function showSecret(acct, password) {
    $('#secret-text').textContent = t('secretFor', acct.name || acct.username, acct.username);
    $('#secret-password').textContent = password;
    $('#secret-card').hidden = false;
    $('#secret-done').focus();
  }

  function hideSecret() {
    $('#secret-password').textContent = '';
    $('#secret-card').hidden = true;
  }

  function errorText(err) {
    return YJ.apiText((err && err.message) || (err && err.problems && err.problems[0] && err.problems[0].message) || '');
  }

  function act(a, verb) {
    var u = encodeURIComponent(a.username);
    if (verb === 'disable') {
      if (!window.confirm(t('confirmDisable', a.username))) return;
      YJ.api('POST', '/admin/accounts/' + u + '/disable').then(function () {
        YJ.status($('#admin-status'), t('doneDisable', a.username), 'ok');
        load();
      }, fail);
    } else if (verb === 'password') {
      if (!window.confirm(t('confirmReset', a.username))) return;
      YJ.api('POST', '/admin/accounts/' + u + '/password').then(function (out) {
        showSecret(a, out.password);
        load();
      }, fail);
    } else if (verb === 'totp') {
      if (!window.confirm(t('confirmTOTP', a.username))) return;
      YJ.api('DELETE', '/admin/accounts/' + u + '/totp').then(function () {
        YJ.status($('#admin-status'), t('doneTOTP', a.username), 'ok');
        load();
      }, fail);
    }
  }

  function fail(err) {
    var box = $('#list-error');
    box.textContent = t('failed', errorText(err));
    box.hidden = false;
  }

  function tagBox(tags) {
    var box = el('span', { className: 'tags' });
    tags.forEach(function (x) { box.appendChild(x); });
    return box;
  }

  function row(a) {
    var tags = [];
    if (a.disabled) tags.push(el('span', { className: 'badge badge-no' }, t('disabled')));
    if (a.locked) tags.push(el('span', { className: 'badge badge-urgent' }, t('locked')));
    if (a.mustChange) tags.push(el('span', { className: 'badge badge-warn' }, t('mustChange')));
    if (a.totp) tags.push(el('span', { className: 'badge badge-ok' }, t('totpOn')));
    var buttons = el('div', { className: 'buttons' });
    var add = function (verb, label, id) {
      buttons.appendChild(el('button', { type: 'button', className: 'secondary', id: id,
        on: { click: function () { act(a, verb); } } }, t(label)));
    };
    var slug = a.username.replace(/[^a-z0-9_-]/g, '_');
    if (!a.disabled && (!me || a.username !== me.sub)) add('disable', 'disable', 'disable-' + slug);
    add('password', 'resetPassword', 'password-' + slug);
    if (a.totp) add('totp', 'resetTOTP', 'totp-' + slug);
    return el('li', { className: 'staff', id: 'staff-' + slug },
      el('div', null, el('strong', null, a.name), ' · ', a.username, ' · ', t(roleKey[a.role] || a.role), a.unit ? ' · ' + a.unit : '',
        tags.length ? tagBox(tags) : null),
      el('div', { className: 'muted' }, t('created') + YJ.colon() + YJ.fmtTime(a.created) + t('beijingTime')),
      buttons);
  }

  function load() {
    return YJ.api('GET', '/admin/accounts').then(function (list) {
      var ul = $('#staff');
      YJ.clear(ul);
      $('#list-error').hidden = true;
      if (!list || !list.length) {
        ul.appendChild(el('li', { className: 'muted' }, t('none')));
        return;
      }
      list.forEach(function (a) { ul.appendChild(row(a)); });
    }, fail);
  }

  function submit(ev) {
    ev.preventDefault();
    var form = $('#add-form');
    YJ.clearProblems(form);
    var body = { username: form.username.value.trim(), name: form.name.value.trim(), role: form.role.value, unit: form.unit.value.trim() };
    YJ.api('POST', '/admin/accounts', body).then(function (out) {
      form.reset();
      showSecret(out.account, out.password);
      load();
    }, function (err) { YJ.showProblems(form, err); });
  }

  function start() {
    me = YJ.requireRole('admin');
    if (!me) return;
    YJ.frame(me);
    document.title = t('pageTitle');
    $('#add-form').addEventListener('submit', submit);
    $('#secret-done').addEventListener('click', hideSecret);
    load();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
