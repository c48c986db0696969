<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="ArticleTitle" content="东湖市市场监督管理局2022年政府信息公开工作年度报告">
<title>东湖市市场监督管理局2022年政府信息公开工作年度报告_示例区人民政府</title>
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
<div class="header"><a href="/index.html"><img src="/static/logo.png" alt="示例区人民政府"></a>
<div class="search"><form action="/search.jsp"><input name="q"><button>搜索</button></form></div></div>
<ul class="nav"><li><a href="/index.html">首页</a></li><li><a href="/xxgk/index.html">政府信息公开</a></li><li><a href="/news/index.html">新闻动态</a></li><li><a href="/bsfw/index.html">办事服务</a></li><li><a href="/hdjl/index.html">互动交流</a></li></ul>
<div class="main">
<h1>东湖市市场监督管理局2022年政府信息公开工作年度报告</h1><div class="info">发布日期：2024年1月6日 浏览次数：101</div><div>附件：<a href="/upload/202401/20240106001.pdf" target="_blank">东湖市市场监督管理局2022年政府信息公开工作年度报告.pdf</a></div>
</div>
<div class="footer">
<a href="/wzdt.html">网站地图</a> | <a href="/lxwm.html">联系我们</a> | <a href="http://www.gov.cn/">中国政府网</a>
<p>主办：示例区人民政府办公室 &nbsp; 备案号：京ICP备00000000号</p>
</div>
</body>
</html>
