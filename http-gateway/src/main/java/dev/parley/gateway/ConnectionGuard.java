package dev.parley.gateway;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.AttributeKey;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Per connection, between the HTTP server and the routes: a connection that has not sent a complete
 * request head within {@code parley.http.header-timeout} of opening, or of its previous response's
 * end, is closed (idle clients and clients that drip their headers do not hold connections); and a
 * request body not complete within {@code parley.http.request-timeout} fails with {@link
 * BodyTimeout}, which closes the connection. A response's end is its entity's end, so that a long
 * event stream is not cut; after a protocol switch (a WebSocket) the connection is left alone. Each
 * request carries {@link #CLIENT_GONE}, completed when the client closes the connection: an event
 * stream ends then, where the server would learn it only when it next writes.
 */
final class ConnectionGuard
    extends GraphStage<BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse>> {
  private static final String HEAD_TIMER = "head";

  /** Completes when the client of the request's connection has closed it (or it broke). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static final AttributeKey<CompletionStage<Done>> CLIENT_GONE =
      (AttributeKey) AttributeKey.create("parley-client-gone", CompletionStage.class);

  private final Inlet<HttpRequest> requestsIn = Inlet.create("ConnectionGuard.requestsIn");
  private final Outlet<HttpRequest> requestsOut = Outlet.create("ConnectionGuard.requestsOut");
  private final Inlet<HttpResponse> responsesIn = Inlet.create("ConnectionGuard.responsesIn");
  private final Outlet<HttpResponse> responsesOut = Outlet.create("ConnectionGuard.responsesOut");
  private final BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse> shape =
      BidiShape.of(requestsIn, requestsOut, responsesIn, responsesOut);
  private final Duration headerTimeout;
  private final Duration bodyTimeout;

  private ConnectionGuard(Duration headerTimeout, Duration bodyTimeout) {
    this.headerTimeout = headerTimeout;
    this.bodyTimeout = bodyTimeout;
  }

  /** The guard, to join with the routes' flow: requests in, responses out. */
  static BidiFlow<HttpRequest, HttpRequest, HttpResponse, HttpResponse, NotUsed> create(
      Duration headerTimeout, Duration bodyTimeout) {
    return BidiFlow.fromGraph(new ConnectionGuard(headerTimeout, bodyTimeout));
  }

  /** A request body that did not arrive within the request timeout. */
  static final class BodyTimeout extends TimeoutException {
    private static final long serialVersionUID = 1L;

    BodyTimeout(Duration timeout) {
      super("the request body did not arrive within " + timeout + " (parley.http.request-timeout)");
    }
  }

  @Override
  public BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new TimerGraphStageLogic(shape) {
      /** Requests handed to the routes whose response has not ended yet. */
      private int open;

      private boolean switchedProtocol;
      private final CompletableFuture<Done> clientGone = new CompletableFuture<>();
      private final AsyncCallback<NotUsed> responseEnded =
          createAsyncCallback(ended -> responseEnded());

      {
        setHandler(
            requestsIn,
            new AbstractInHandler() {
              @Override
              public void onPush() {
                HttpRequest request = grab(requestsIn);
                cancelTimer(HEAD_TIMER);
                open++;
                push(requestsOut, withBodyTimeout(request).addAttribute(CLIENT_GONE, clientGone));
              }

              @Override
              public void onUpstreamFinish() {
                clientGone.complete(Done.getInstance());
                complete(requestsOut);
              }

              @Override
              public void onUpstreamFailure(Throwable failure) {
                clientGone.complete(Done.getInstance());
                fail(requestsOut, failure);
              }
            });
        setHandler(
            requestsOut,
            new AbstractOutHandler() {
              @Override
              public void onPull() {
                pull(requestsIn);
              }

              @Override
              public void onDownstreamFinish(Throwable cause) {
                cancel(requestsIn, cause);
              }
            });
        setHandler(
            responsesIn,
            new AbstractInHandler() {
              @Override
              public void onPush() {
                HttpResponse response = grab(responsesIn);
                if (response.status().intValue() == 101) {
                  switchedProtocol = true;
                  push(responsesOut, response);
                } else if (response.entity().isStrict()) {
                  push(responsesOut, response);
                  responseEnded();
                } else {
                  push(responsesOut, whenEnded(response));
                }
              }

              @Override
              public void onUpstreamFinish() {
                complete(responsesOut);
              }
            });
        setHandler(
            responsesOut,
            new AbstractOutHandler() {
              @Override
              public void onPull() {
                pull(responsesIn);
              }

              @Override
              public void onDownstreamFinish(Throwable cause) {
                cancel(responsesIn, cause);
              }
            });
      }

      @Override
      public void preStart() {
        scheduleOnce(HEAD_TIMER, headerTimeout);
      }

      @Override
      public void postStop() {
        clientGone.complete(Done.getInstance());
      }

      @Override
      public void onTimer(Object key) {
        if (open == 0 && !switchedProtocol) {
          completeStage(); // no request head in time: the server closes the connection
        }
      }

      private void responseEnded() {
        open = Math.max(0, open - 1);
        if (open == 0 && !switchedProtocol) {
          scheduleOnce(HEAD_TIMER, headerTimeout);
        }
      }

      private HttpResponse whenEnded(HttpResponse response) {
        Flow<ByteString, ByteString, Object> watched =
            Flow.<ByteString>create()
                .watchTermination(
                    (notUsed, done) -> {
                      done.whenComplete((ok, error) -> responseEnded.invoke(NotUsed.getInstance()));
                      return (Object) NotUsed.getInstance();
                    });
        org.apache.pekko.http.scaladsl.model.ResponseEntity entity =
            (org.apache.pekko.http.scaladsl.model.ResponseEntity) response.entity();
        return response.withEntity(entity.transformDataBytes(watched.asScala()));
      }

      private HttpRequest withBodyTimeout(HttpRequest request) {
        if (request.entity().isStrict()) {
          return request;
        }
        Flow<ByteString, ByteString, Object> timed =
            Flow.<ByteString>create()
                .completionTimeout(bodyTimeout)
                .mapError(TimeoutException.class, e -> (Throwable) new BodyTimeout(bodyTimeout))
                .mapMaterializedValue(notUsed -> (Object) notUsed);
        org.apache.pekko.http.scaladsl.model.RequestEntity entity =
            (org.apache.pekko.http.scaladsl.model.RequestEntity) request.entity();
        return request.withEntity(entity.transformDataBytes(timed.asScala()));
      }
    };
  }
}
