import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import {
  ConfigurationSet,
  ConfigurationSetEventDestination,
  EmailSendingEvent,
  EventDestination,
  type IConfigurationSet,
} from 'aws-cdk-lib/aws-ses';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CONFIGURATION_SET_TAG,
  SES_EVENT_SOURCE,
  SES_EVENT_TYPES,
  type SesEventType,
} from '../../lambdas/contract/ses-event-types.js';

export interface SesEventsProps {
  /** Suffix of the configuration set's name, so that stages can share an account. */
  readonly stage: string;
  /**
   * An existing configuration set to send with (context `sesConfigurationSet`): the stack adds its event
   * destination to it instead of creating one, so that its events reach the pipeline too.
   */
  readonly existingConfigurationSet?: string;
  /** Publish Open and Click too (context `sesOpenAndClickEvents`). */
  readonly openAndClick: boolean;
  /** Where EventBridge's rule puts each event, for the events function. */
  readonly queue: IQueue;
}

/** The configuration set's name for each event type the pipeline takes. */
const MATCHING_EVENT: Record<SesEventType, EmailSendingEvent> = {
  Send: EmailSendingEvent.SEND,
  Delivery: EmailSendingEvent.DELIVERY,
  Bounce: EmailSendingEvent.BOUNCE,
  Complaint: EmailSendingEvent.COMPLAINT,
  Reject: EmailSendingEvent.REJECT,
  DeliveryDelay: EmailSendingEvent.DELIVERY_DELAY,
  RenderingFailure: EmailSendingEvent.RENDERING_FAILURE,
  Open: EmailSendingEvent.OPEN,
  Click: EmailSendingEvent.CLICK,
};

/**
 * SES's events, from the configuration set every mail is sent with to the events queue: the set
 * publishes them to EventBridge's default bus (the only bus SES publishes to), and a rule that matches
 * this set's events only (SES tags each with the set's name) puts them on the queue, whose policy the
 * rule's target writes to let only this rule send. No public endpoint: nothing to forge
 * (docs/ses-events.md).
 */
export class SesEvents extends Construct {
  readonly configurationSet: IConfigurationSet;
  /** What the sender sends with (SES_CONFIGURATION_SET). */
  readonly configurationSetName: string;
  readonly rule: Rule;
  /** The event types published, in SES_EVENT_TYPES' order. */
  readonly eventTypes: readonly SesEventType[];

  constructor(scope: Construct, id: string, props: SesEventsProps) {
    super(scope, id);
    this.eventTypes = (Object.keys(SES_EVENT_TYPES) as SesEventType[]).filter(
      (type) => props.openAndClick || !SES_EVENT_TYPES[type].engagement,
    );
    this.configurationSetName = props.existingConfigurationSet ?? `campaign-mailer-${props.stage}`;
    this.configurationSet = props.existingConfigurationSet
      ? ConfigurationSet.fromConfigurationSetName(this, 'ConfigurationSet', props.existingConfigurationSet)
      : new ConfigurationSet(this, 'ConfigurationSet', { configurationSetName: this.configurationSetName });

    new ConfigurationSetEventDestination(this, 'ToEventBridge', {
      configurationSet: this.configurationSet,
      // Named, so that an existing set can tell it from destinations of its own.
      configurationSetEventDestinationName: `campaign-mailer-${props.stage}-events`,
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: this.eventTypes.map((type) => MATCHING_EVENT[type]),
    });

    this.rule = new Rule(this, 'Rule', {
      description: `SES events of the configuration set ${this.configurationSetName}, for the events function`,
      eventPattern: {
        source: [SES_EVENT_SOURCE],
        detailType: this.eventTypes.map((type) => SES_EVENT_TYPES[type].detailType),
        detail: { mail: { tags: { [CONFIGURATION_SET_TAG]: [this.configurationSetName] } } },
      },
      targets: [new SqsQueue(props.queue)],
    });
  }
}
