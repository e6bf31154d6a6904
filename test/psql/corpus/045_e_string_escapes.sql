select E'it\'s; still a string' as a, 'plain\' as b;
select E'\\' as backslash;
