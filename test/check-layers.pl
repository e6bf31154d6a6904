#!/usr/bin/perl
# Proves that src/ is layered: every #include and every call or use of a
# global goes to a file of the same layer or of a lower one, and no files
# call each other in a circle.  The layers are src/'s folders, top to
# bottom in the order below (doc/design.md draws them); the files at the
# top of src/ are the module's entry point, above everything.
#
#   perl test/check-layers.pl [SRCDIR]      (make check-layers)
#
# It reads the code as text: comments and literals are dropped, functions
# are the definitions PostgreSQL style puts at the start of a line, and
# globals are what headers declare extern.  Function pointers (the sinks a
# request is delivered through, the callbacks a request's memory context
# runs when it goes) are how a lower layer reaches a higher one at run time.
use strict;
use warnings;
use File::Find;

my @LAYERS = qw(entry worker net mcp tools auth policy store target request ipc lib);
my %rank;
@rank{@LAYERS} = (0 .. $#LAYERS);

my $src = shift // 'src';
$src =~ s{/$}{};
my @files;
find(sub { push @files, $File::Find::name if /\.[ch]$/ }, $src);
@files = sort @files;

sub layer_of
{
	my ($f) = @_;
	my $rel = substr($f, length($src) + 1);
	return 'entry' unless $rel =~ m{/};
	my ($top) = split m{/}, $rel;
	die "check-layers: $f is in folder $top, which is not a layer\n"
	  unless exists $rank{$top};
	return $top;
}

# The code without comments, string and character literals.
sub code_of
{
	my ($f) = @_;
	open my $fh, '<', $f or die "check-layers: $f: $!\n";
	local $/;
	my $t = <$fh>;
	$t =~ s{(/\*.*?\*/)|//[^\n]*|("(?:\\.|[^"\\\n])*")|'(?:\\.|[^'\\\n])*'}{
		defined $1 ? "\n" x ($1 =~ tr/\n//) : defined $2 ? '""' : "''" }gse;
	return $t;
}

my (%code, %includes, %defines, %definer, %externs);
for my $f (@files)
{
	open my $fh, '<', $f or die "check-layers: $f: $!\n";
	while (<$fh>)
	{
		push @{ $includes{$f} }, $1 if /^\s*#\s*include\s+"([^"]+)"/;
	}
	close $fh;
	$code{$f} = code_of($f);
	if ($f =~ /\.h$/)
	{
		# extern TYPE name; or extern TYPE name[...];  (not functions)
		while ($code{$f} =~ /^\s*extern\b[^;(]*?\b(\w+)\s*(?:\[[^\]]*\])?\s*;/mg)
		{
			$externs{$1} = 1;
		}
	}
}
for my $f (grep { /\.c$/ } @files)
{
	my $c = $code{$f};
	# A function definition: its name at the start of a line, its
	# parameters, then the body; "static" on the line before keeps it
	# in the file.
	while ($c =~ /^([^\n]*)\n([A-Za-z_]\w*)\s*\([^;{]*?\)\s*\{/mg)
	{
		my ($type, $name) = ($1, $2);
		next if $type =~ /\bstatic\b/ || $type =~ /^\s*$/ || $type =~ /[;}]\s*$/;
		$definer{$name} = $f;
	}
	for my $v (keys %externs)
	{
		$definer{$v} = $f
		  if $c =~ /^(?!\s*extern\b)[A-Za-z_][\w \t\*]*\b\Q$v\E\s*(?:\[[^\]]*\])?\s*(?:=|;)/m;
	}
}

my @problems;
my %calls;    # .c file -> .c file it calls
for my $f (@files)
{
	my $from = layer_of($f);
	for my $inc (@{ $includes{$f} || [] })
	{
		my $path = -f "$src/$inc" ? "$src/$inc" : undef;
		if (!defined $path)
		{
			(my $dir = $f) =~ s{/[^/]+$}{};
			$path = "$dir/$inc" if -f "$dir/$inc";
		}
		next unless defined $path;    # a PostgreSQL or system header
		my $to = layer_of($path);
		push @problems, "$f ($from) includes $inc ($to), a higher layer"
		  if $rank{$to} < $rank{$from};
	}
	next unless $f =~ /\.c$/;
	my %seen;
	for my $id ($code{$f} =~ /\b([A-Za-z_]\w*)\b/g)
	{
		my $def = $definer{$id};
		next if !defined $def || $def eq $f || $seen{"$id"}++;
		$calls{$f}{$def} = 1;
		my $to = layer_of($def);
		push @problems, "$f ($from) uses $id of $def ($to), a higher layer"
		  if $rank{$to} < $rank{$from};
	}
}

# Circles: strongly connected components of the call graph (Tarjan).
my ($index, @stack, %idx, %low, %on) = (0);
my @circles;
sub visit
{
	my ($v) = @_;
	$idx{$v} = $low{$v} = $index++;
	push @stack, $v;
	$on{$v} = 1;
	for my $w (sort keys %{ $calls{$v} || {} })
	{
		if (!exists $idx{$w}) { visit($w); $low{$v} = $low{$w} if $low{$w} < $low{$v}; }
		elsif ($on{$w}) { $low{$v} = $idx{$w} if $idx{$w} < $low{$v}; }
	}
	if ($low{$v} == $idx{$v})
	{
		my @c;
		my $w;
		do { $w = pop @stack; $on{$w} = 0; push @c, $w; } while ($w ne $v);
		push @circles, [ sort @c ] if @c > 1;
	}
}
visit($_) for grep { /\.c$/ && !exists $idx{$_} } @files;
for my $c (@circles)
{
	my %in = map { $_ => 1 } @$c;
	my @why;
	for my $a (@$c)
	{
		push @why, "$a -> $_" for grep { $in{$_} } sort keys %{ $calls{$a} };
	}
	push @problems, "circle of " . scalar(@$c) . " files: " . join(', ', @why);
}

my $nedges = 0;
$nedges += keys %{ $calls{$_} } for keys %calls;
if (@problems)
{
	print "$_\n" for @problems;
	printf "check-layers: %d problem(s) in %d files\n", scalar @problems, scalar @files;
	exit 1;
}
my %per;
$per{ layer_of($_) }++ for @files;
printf "check-layers: %d files in %d layers (%s), %d calls between files: none upward, no circle\n",
  scalar @files, scalar(keys %per), join(' > ', grep { $per{$_} } @LAYERS), $nedges;
exit 0;
