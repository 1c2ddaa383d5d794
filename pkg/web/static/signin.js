// signin.js: the start page. A signed-in visitor goes on to their role's
// page; anyone else signs in through the server's sign-in (the provider's
// form), which comes back to that page.
'use strict';

(function () {
  var YJ = window.YJ;
  YJ.addMessages({
    pageTitle: ['登录 · 阅卷', 'Sign in · Yuejuan'],
    signInTitle: ['登录', 'Sign in'],
    signInIntro: ['律师、案管和审计人员使用同一入口，登录后进入各自的页面。',
      'Lawyers, clerks and auditors all sign in here and are taken to their own pages.'],
    signInButton: ['登录', 'Sign in'],
    signInVia: ['通过{0}登录', 'Sign in through {0}'],
    accountsTitle: ['账户', 'Accounts'],
    accountsText: ['案管和审计人员的账户由本单位管理员开设；律师以 17 位执业证号为用户名。首次登录时请把管理员发放的一次性密码改为自己的密码。',
      'Clerks\' and auditors\' accounts are opened by the unit\'s administrator; a lawyer\'s user name is the 17-digit practice certificate number. At the first sign-in, replace the one-time password from the administrator with your own.'],
    privacy: ['登录状态由服务器保存，本浏览器只保存一个无法被网页脚本读取的会话标识；点击“退出登录”即同时退出。',
      'The server keeps your session; this browser holds only a session id that page scripts cannot read. Signing out ends it everywhere it was used.'],
    footer: ['如需帮助请致电 12309 检察服务热线', 'For help call the 12309 procuratorate hotline']
  });

  var pages = { lawyer: '/lawyer', clerk: '/clerk', auditor: '/auditor', admin: '/admin' };

  // The unit's single sign-on and any other configured provider: one
  // button each, next to the server's own sign-in.
  function addProviders() {
    fetch('/auth/providers', { credentials: 'same-origin' }).then(function (r) {
      return r.ok ? r.json() : [];
    }).then(function (list) {
      var box = document.querySelector('.signin .buttons');
      (list || []).forEach(function (p) {
        var a = document.createElement('a');
        a.className = 'button secondary';
        a.id = 'signin-via-' + p.via;
        a.href = '/auth/login?via=' + encodeURIComponent(p.via);
        a.textContent = YJ.t('signInVia', p.label);
        box.appendChild(a);
      });
    }).catch(function () { /* the server's own sign-in still works */ });
  }

  function start() {
    YJ.frame(null);
    var c = YJ.who();
    if (c && pages[c.role]) {
      location.replace(pages[c.role]);
      return;
    }
    addProviders();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
