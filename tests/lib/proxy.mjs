// A TCP proxy in front of aula for tests that need to break connections:
// drop every open connection at once, or refuse new ones for a while (as
// if the network went away), then let them through again. It can also be
// pointed at another port, so a browser keeps one address while aula is
// restarted behind it.
import net from 'node:net';

export async function startProxy(targetPort, targetHost = '127.0.0.1') {
  let target = { port: targetPort, host: targetHost };
  const sockets = new Set();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    // Closes every proxied connection abruptly (no WebSocket close frame).
    dropAll() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    // While refusing, new connections are closed as soon as they arrive.
    refuse(on = true) {
      refusing = on;
    },
    // New connections go to this port from now on (open ones stay).
    setTarget(port, host = target.host) {
      target = { port, host };
    },
    get openConnections() {
      return sockets.size / 2;
    },
    close() {
      this.dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
