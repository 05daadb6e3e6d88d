import { App } from 'aws-cdk-lib';
import { createMailerStack } from '../lib/mailer-app.js';

const app = new App();
createMailerStack(app);
