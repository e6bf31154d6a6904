select 'héllo wörld' as "ünïcode", '日本語' as jp, '😀' as emoji;
select length('日本語') as len, upper('straße') as up;
