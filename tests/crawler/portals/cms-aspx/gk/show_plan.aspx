<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">

<title>2024年政务公开工作要点_示例区人民政府</title>
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
<div class="header"><a href="/index.html"><img src="/static/logo.png" alt="示例区人民政府"></a>
<div class="search"><form action="/search.jsp"><input name="q"><button>搜索</button></form></div></div>
<ul class="nav"><li><a href="/index.html">首页</a></li><li><a href="/xxgk/index.html">政府信息公开</a></li><li><a href="/news/index.html">新闻动态</a></li><li><a href="/bsfw/index.html">办事服务</a></li><li><a href="/hdjl/index.html">互动交流</a></li></ul>
<div class="main">
<p>附件：<a href="/upload/other/plan.pdf" target="_blank">附件1</a></p>
</div>
<div class="footer">
<a href="/wzdt.html">网站地图</a> | <a href="/lxwm.html">联系我们</a> | <a href="http://www.gov.cn/">中国政府网</a>
<p>主办：示例区人民政府办公室 &nbsp; 备案号：京ICP备00000000号</p>
</div>
</body>
</html>
