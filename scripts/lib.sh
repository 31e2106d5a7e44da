# Shell helpers shared by the test and benchmark scripts; source it.

# free_port prints a loopback TCP port that nothing accepts on.
free_port() {
	local i p
	for i in $(seq 50); do
		p=$((20000 + RANDOM % 12768)) # below Linux's ephemeral ports (32768-60999)
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "no free loopback port" >&2
	return 1
}

# stop_all PID… sends SIGTERM to every PID, then waits for each (they must
# be children of this shell). For the scripts' exit traps.
stop_all() {
	local pid
	for pid; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid; do wait "$pid" 2>/dev/null || true; done
}

# The brotli_static module that deploy/nginx.conf uses, from Debian's
# libnginx-mod-http-brotli-static; a test's nginx.conf loads it with
# load_module.
nginx_brotli_module=/usr/lib/nginx/modules/ngx_http_brotli_static_module.so

# nginx_template WORK ROOT NGINX_PORT SIDECAR_PORT writes WORK/occupancy.conf:
# the shipped deploy/nginx.conf listening on 127.0.0.1:NGINX_PORT, serving
# the tree ROOT and proxying to the sidecar on 127.0.0.1:SIDECAR_PORT. It
# fails when a marked line could not be changed.
nginx_template() {
	local work=$1 root=$2 nport=$3 sport=$4 want
	sed -e "s|^\(    server \)127.0.0.1:8080;|\1127.0.0.1:$sport;|" \
		-e "s|^\(    listen \)80;|\1127.0.0.1:$nport;|" \
		-e "s|^\(    root \)/srv/occupancy/public;|\1$root;|" \
		deploy/nginx.conf >"$work/occupancy.conf"
	for want in "127.0.0.1:$sport;" "listen 127.0.0.1:$nport;" "root $root;"; do
		grep -qF "$want" "$work/occupancy.conf" || { echo "could not template '$want' into deploy/nginx.conf" >&2; return 1; }
	done
}

# nginx_start WORK CONNECTIONS [HTTP_LINE…] writes WORK/nginx.conf, the
# main configuration of a test's own nginx (pid, logs and temporary files
# under WORK, the brotli module loaded, CONNECTIONS per worker) including
# WORK/occupancy.conf (the templated deploy/nginx.conf) and the extra lines
# in its http block, checks it and starts nginx (stop it with
# `kill -QUIT $(cat WORK/nginx.pid)`). On a bad configuration it prints
# nginx's errors and fails.
nginx_start() {
	local work=$1 conns=$2
	shift 2
	mkdir -p "$work/tmp"
	{
		echo "load_module $nginx_brotli_module;"
		echo "worker_processes 1;"
		echo "daemon on;"
		echo "pid $work/nginx.pid;"
		echo "error_log $work/error.log warn;"
		[[ $(id -u) == 0 ]] && echo "user root;"
		echo "events { worker_connections $conns; }"
		echo "http {"
		echo "    access_log off;"
		printf '    %s\n' "$@"
		local t
		for t in client_body proxy fastcgi uwsgi scgi; do
			echo "    ${t}_temp_path $work/tmp/${t#client_};"
		done
		echo "    include $work/occupancy.conf;"
		echo "}"
	} >"$work/nginx.conf"
	nginx -t -q -c "$work/nginx.conf" -e "$work/error.log" 2>&1 || { cat "$work/error.log" >&2; return 1; }
	nginx -c "$work/nginx.conf" -e "$work/error.log"
}

# need_packages NAME COMMAND PACKAGE [COMMAND PACKAGE …] installs, with
# apt-get, the Debian packages whose command is missing (as root), or says
# what to install and fails. NAME prefixes the messages. A COMMAND that is
# an absolute path (a module, a library) is checked as a file.
need_packages() {
	local name=$1 missing=()
	shift
	while (($# >= 2)); do
		if [[ $1 == /* ]]; then
			[[ -e $1 ]] || missing+=("$2")
		else
			command -v "$1" >/dev/null || missing+=("$2")
		fi
		shift 2
	done
	((${#missing[@]} == 0)) && return 0
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		echo "$name: installing ${missing[*]}" >&2
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	else
		echo "$name: missing ${missing[*]}; install with apt-get install -y ${missing[*]}" >&2
		return 1
	fi
}

# versitygw_bin VERSION prints the path of the Versity S3 Gateway's binary
# (github.com/versity/versitygw, Apache-2.0) at that module version:
# $VERSITYGW_BIN when set, else a build cached under
# ${XDG_CACHE_HOME:-~/.cache}/occupancy/versitygw-VERSION/versitygw,
# installed from the module proxy on first use. A caller that finds a
# build in progress (make test starts one in the background) waits for
# it, under a lock. Messages go to stderr.
#
# The build leaves out inlining and debug information (-gcflags=all=-l,
# -ldflags=-s -w), which it does not need to serve tests.
versitygw_bin() {
	local version=$1
	if [[ -n ${VERSITYGW_BIN:-} ]]; then
		[[ -x $VERSITYGW_BIN ]] || { echo "VERSITYGW_BIN=$VERSITYGW_BIN is not an executable" >&2; return 1; }
		echo "$VERSITYGW_BIN"
		return 0
	fi
	local cache=${XDG_CACHE_HOME:-$HOME/.cache}/occupancy/versitygw-$version
	mkdir -p "$cache"
	(
		flock 9
		[[ -x $cache/versitygw ]] && exit 0
		start=$SECONDS
		echo "versitygw: building $version into $cache (once; a few minutes)" >&2
		rm -rf "$cache/bin"
		if ! GOBIN=$cache/bin go install -trimpath -gcflags='all=-l' -ldflags='-s -w' "github.com/versity/versitygw/cmd/versitygw@$version" >&2; then
			rm -rf "$cache/bin"
			echo "versitygw: build failed" >&2
			exit 1
		fi
		mv "$cache/bin/versitygw" "$cache/versitygw"
		rm -rf "$cache/bin"
		echo "versitygw: built in $((SECONDS - start)) s" >&2
	) 9>"$cache/build.lock" || return 1
	echo "$cache/versitygw"
}
