#!/usr/bin/perl
#
# A raw replication client: what a hostile or broken replica can send a
# master.  It sets @slave_provision to any bytes, then sends
# COM_BINLOG_DUMP itself, and prints how the master answered: the error
# packet, or how many packets it streamed before the end.
#
# Usage: raw_dump.pl <port> <server_id> <request> [user]
#   <request> is the text to send, or one of
#     0x<hex>     these bytes (invalid UTF-8, NUL, ...)
#     rules:<n>   a well-formed request whose filter has <n> rules
#     big:<n>     <n> bytes of text
#     -           no @slave_provision at all (an ordinary dump)
#
use strict;
use warnings;
use DBI;

my ($port, $server_id, $request, $user)= @ARGV;
die "usage: raw_dump.pl <port> <server_id> <request> [user]\n"
  unless defined $request;
$user //= 'root';

my $request_hex;
if ($request =~ /^0x([0-9a-fA-F]*)$/)
{
  $request_hex= $1;
}
elsif ($request =~ /^rules:(\d+)$/)
{
  my $rules= "do_db=d\n" x $1;
  $request_hex= unpack('H*', 'v=1;domain=1;filter=' . unpack('H*', $rules));
}
elsif ($request =~ /^big:(\d+)$/)
{
  $request_hex= unpack('H*', 'x' x $1);
}
elsif ($request ne '-')
{
  $request_hex= unpack('H*', $request);
}

my $dbh= DBI->connect("DBI:MariaDB:host=127.0.0.1;port=$port", $user, '',
                      { RaiseError => 1, PrintError => 0,
                        mariadb_ssl => 0 });
$dbh->do("SET \@mariadb_slave_capability= 4");
$dbh->do("SET \@slave_connect_state= ''");
$dbh->do("SET \@master_binlog_checksum= 'NONE'");
if (defined $request_hex)
{
  # X'' is the empty string; a hex literal keeps every byte as it is.
  $dbh->do("SET \@slave_provision= X'$request_hex'");
}

# The connection's socket: from here on we speak the protocol ourselves.
my $fd= $dbh->{mariadb_sockfd};
open(my $sock, '+<&=', $fd) or die "cannot open the connection's socket: $!";
binmode $sock;

# COM_BINLOG_DUMP: position 4, no flags, our server_id, no file name.
my $payload= pack('C V v V', 0x12, 4, 0, $server_id);
my $packet= substr(pack('V', length($payload)), 0, 3) . chr(0) . $payload;
syswrite($sock, $packet) == length($packet) or die "write: $!";

sub read_exactly
{
  my ($len)= @_;
  my $buf= '';
  while (length($buf) < $len)
  {
    my $got= sysread($sock, $buf, $len - length($buf), length($buf));
    return undef unless $got;
  }
  return $buf;
}

local $SIG{ALRM}= sub { print "no answer from the master in 60 s\n"; exit 1; };
alarm 60;
my $packets= 0;
while (1)
{
  my $header= read_exactly(4);
  if (!defined $header)
  {
    print "connection closed after $packets packets\n";
    last;
  }
  my $len= unpack('V', substr($header, 0, 3) . chr(0));
  my $body= read_exactly($len);
  die "short packet" unless defined $body;
  my $first= ord(substr($body, 0, 1));
  if ($first == 0xFF)
  {
    my ($code, $state, $message)= unpack('v a6 a*', substr($body, 1));
    print "error $code after $packets packets: $message\n";
    last;
  }
  if ($first == 0xFE && $len < 9)
  {
    print "end of stream\n";
    last;
  }
  $packets++;
}
