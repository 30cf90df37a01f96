package dev.parley.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The client side of a run: keep-alive HTTP/1.1 connections to one server, each carrying one
 * request at a time, as many as there are requests in flight (the driver bounds those). An answered
 * connection goes back to the idle ones and takes the next request; one the server closes is
 * dropped, and the next request opens another. Netty, on {@link #threads()} event loops: a request
 * costs the client a few microseconds of CPU, so that on a machine it shares with the server the
 * figures are the server's, not the client's (java.net.http's client took more CPU per request than
 * the server it drove).
 */
final class HttpConnections implements AutoCloseable {

  /** What became of one request: its status, or {@code error} when it got none. */
  interface Answer {
    void ended(int status, Throwable error);
  }

  private record InFlight(Answer answer, ScheduledFuture<?> timer) {}

  private static final AttributeKey<InFlight> IN_FLIGHT =
      AttributeKey.valueOf("parley-load-in-flight");

  private final EventLoopGroup group;
  private final Bootstrap bootstrap;
  private final ConcurrentLinkedQueue<Channel> idle = new ConcurrentLinkedQueue<>();
  private final long timeoutNanos;

  HttpConnections(String host, int port, Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
    this.group =
        new MultiThreadIoEventLoopGroup(
            threads(),
            new DefaultThreadFactory("parley-load-client", true),
            NioIoHandler.newFactory());
    this.bootstrap =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
            .remoteAddress(host, port)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    channel.pipeline().addLast(new HttpClientCodec(), new Responses());
                  }
                });
  }

  /** Event loops: half the cores, at least one; the rest is the server's, on this machine. */
  static int threads() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  /** Sends {@code request} on an idle connection, or a new one; {@code answer} hears once. */
  void send(FullHttpRequest request, Answer answer) {
    Channel channel;
    while ((channel = idle.poll()) != null) {
      if (channel.isActive()) {
        write(channel, request, answer);
        return;
      }
    }
    bootstrap
        .connect()
        .addListener(
            (ChannelFuture connected) -> {
              if (connected.isSuccess()) {
                write(connected.channel(), request, answer);
              } else {
                request.release();
                answer.ended(-1, named(connected.cause()));
              }
            });
  }

  private void write(Channel channel, FullHttpRequest request, Answer answer) {
    ScheduledFuture<?> timer =
        channel
            .eventLoop()
            .schedule(
                () ->
                    fail(
                        channel,
                        new TimeoutException("no answer within " + Duration.ofNanos(timeoutNanos))),
                timeoutNanos,
                TimeUnit.NANOSECONDS);
    channel.attr(IN_FLIGHT).set(new InFlight(answer, timer));
    channel
        .writeAndFlush(request)
        .addListener(
            written -> {
              if (!written.isSuccess()) {
                fail(channel, written.cause());
              }
            });
  }

  /** Ends the request in flight on {@code channel}, if any, with {@code error}, and closes it. */
  private static void fail(Channel channel, Throwable error) {
    InFlight inFlight = channel.attr(IN_FLIGHT).getAndSet(null);
    channel.close();
    if (inFlight != null) {
      inFlight.timer().cancel(false);
      inFlight.answer().ended(-1, error);
    }
  }

  /** A refused connection is reported as such, whatever Netty's subclass of it. */
  private static Throwable named(Throwable error) {
    return error instanceof ConnectException && error.getClass() != ConnectException.class
        ? new ConnectException(error.getMessage())
        : error;
  }

  /** Reads each connection's responses: the status from the head, the end at the last part. */
  private final class Responses extends SimpleChannelInboundHandler<HttpObject> {
    private int status;
    private boolean keepAlive;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
      if (message instanceof HttpResponse response) {
        status = response.status().code();
        keepAlive = HttpUtil.isKeepAlive(response);
      }
      if (message instanceof LastHttpContent) {
        InFlight inFlight = ctx.channel().attr(IN_FLIGHT).getAndSet(null);
        if (inFlight == null) {
          return; // it timed out: the connection is closing
        }
        inFlight.timer().cancel(false);
        if (keepAlive) {
          idle.add(ctx.channel()); // before the answer: the next request can take it
        } else {
          ctx.close();
        }
        inFlight.answer().ended(status, null);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(ctx.channel(), cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      idle.remove(ctx.channel());
      fail(ctx.channel(), new IOException("the server closed the connection before answering"));
    }
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
