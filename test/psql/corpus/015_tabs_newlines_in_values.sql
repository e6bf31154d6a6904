select E'a\tb' as tab, E'line1\nline2' as nl, E'cr\rx' as cr;
