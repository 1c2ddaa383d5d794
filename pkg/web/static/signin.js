// signin.js: the sign-in page. The pasted token is kept in this tab's
// sessionStorage; its payload is decoded only to pick the role's page.
'use strict';

(function () {
  var YJ = window.YJ;
  YJ.addMessages({
    pageTitle: ['登录 · 阅卷', 'Sign in · Yuejuan'],
    signInTitle: ['登录', 'Sign in'],
    signInIntro: ['请粘贴您的登录凭证（令牌）。律师、案管和审计人员使用同一入口，登录后进入各自的页面。',
      'Paste your sign-in token. Lawyers, clerks and auditors all sign in here and are taken to their own pages.'],
    tokenLabel: ['登录凭证', 'Sign-in token'],
    tokenPlaceholder: ['粘贴以 eyJ 开头的凭证', 'Paste the token that starts with eyJ'],
    signInButton: ['登录', 'Sign in'],
    howToGet: ['如何获得凭证', 'Where to get a token'],
    howToGetText: ['本地部署时由管理员在服务器上生成，例如：', 'On a local installation the administrator makes one on the server, e.g.:'],
    privacy: ['凭证只保存在本浏览器标签页中，关闭标签页或点击“退出登录”即清除。',
      'The token is kept only in this browser tab; closing the tab or signing out clears it.'],
    footer: ['如需帮助请致电 12309 检察服务热线', 'For help call the 12309 procuratorate hotline'],
    tokenEmpty: ['请粘贴登录凭证', 'Paste your sign-in token'],
    tokenMalformed: ['这不是有效的登录凭证：应为三段以“.”分隔的字符串（JWT），请完整复制后再粘贴', 'This is not a sign-in token: it should be three parts separated by dots (a JWT); copy all of it and paste again'],
    tokenRole: ['凭证中的角色“{0}”无法使用本服务（应为律师、案管或审计）', 'The token\'s role "{0}" cannot use this service (lawyer, clerk or auditor)'],
    tokenExpired: ['该凭证已于 {0} 过期，请向管理员重新获取', 'This token expired at {0}; ask the administrator for a new one']
  });

  var pages = { lawyer: '/lawyer', clerk: '/clerk', auditor: '/auditor' };

  function start() {
    YJ.frame(null);
    var existing = YJ.claims(YJ.token());
    if (existing && pages[existing.role] && !YJ.expired(existing)) {
      location.replace(pages[existing.role]);
      return;
    }
    var form = YJ.$('#signin');
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      YJ.clearProblems(form);
      var raw = YJ.$('#token').value.trim().replace(/^Bearer\s+/i, '').replace(/\s+/g, '');
      var fail = function (msg) {
        YJ.showProblems(form, { quiet: true, problems: [{ field: 'token', message: msg }] });
      };
      if (!raw) return fail(YJ.t('tokenEmpty'));
      var c = YJ.claims(raw);
      if (!c) return fail(YJ.t('tokenMalformed'));
      if (!pages[c.role]) return fail(YJ.t('tokenRole', c.role || '—'));
      if (YJ.expired(c)) return fail(YJ.t('tokenExpired', YJ.fmtTime(new Date(c.exp * 1000).toISOString())));
      YJ.setToken(raw);
      location.assign(pages[c.role]);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
